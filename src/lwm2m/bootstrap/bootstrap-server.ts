import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log.js';
import { formatPeer } from '../../log.js';
import { checkDeviceSuppliedName, decodeStrictUtf8 } from '../../topics/topic-rules.js';
import { peerKey, type Peer } from '../../transport/bind.js';
import { SourceRateLimit } from '../../transport/source-rate.js';
import { CoapCode } from '../coap/codes.js';
import type { CoapReply } from '../coap/coap-endpoint.js';
import { CoapOption, optionValues, stringOptions, type CoapMessage } from '../coap/message.js';
import type { BootstrapEntries } from './bootstrap-entry.js';
import { bootstrapFailedEvent, bootstrapFinishedEvent, bootstrapRequestEvent, type BootstrapEventSink } from './bootstrap-events.js';
import { BootstrapSession, type BootstrapOutcome, type BootstrapRequestSender } from './bootstrap-session.js';
import { bootstrapSteps } from './bootstrap-steps.js';
import type { ProvisionedCredentialSink } from './credential-sink.js';
import { accountFor, writeFormat } from './server-account.js';

/** How the server reaches the device through the listener a request came in on. */
export interface BootstrapListenerLink {
  readonly send: BootstrapRequestSender;
  cancel(token: Buffer): void;
  /** Most sequences under way at once through this listener (its `max_connections`). */
  readonly maxSessions: number;
}

export interface BootstrapServerOptions {
  readonly entries: BootstrapEntries;
  readonly credentials: ProvisionedCredentialSink;
  readonly events: BootstrapEventSink;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** Key generator (tests make it deterministic). */
  readonly random?: (size: number) => Buffer;
}

/**
 * bootstrap-failed events for names without configuration come from requests anybody can send,
 * from any (also forged) source address: at most this many a second from one source IP, and in
 * all, beyond which they are counted instead of published (the answer to the device is the same).
 */
const UNKNOWN_ENDPOINT_EVENTS_PER_SOURCE = { perSecond: 1, burst: 5 } as const;
const UNKNOWN_ENDPOINT_EVENTS_TOTAL = { perSecond: 20, burst: 100 } as const;

/** Parsed Bootstrap-Request query: `ep` (required) and LwM2M 1.1 `pct`. */
type BootstrapQuery = { readonly ok: true; readonly endpoint: string; readonly pct: number | undefined } | { readonly ok: false; readonly reason: string };

/**
 * The bootstrap interface, server side (LwM2M 1.0/1.1 TS Core §5.2,
 * client-initiated): answers `POST /bs?ep=` and then drives one
 * BootstrapSession per device. At most one sequence per endpoint and one per
 * peer address (a new Bootstrap-Request replaces the old sequence), and at
 * most `maxSessions` per listener, so a flood of requests holds bounded state;
 * when full, a sequence whose peer never answered gives way to the new request.
 */
export class BootstrapServer {
  readonly #opts: BootstrapServerOptions;
  #entries: BootstrapEntries;
  readonly #byEndpoint = new Map<string, BootstrapSession>();
  readonly #byPeer = new Map<string, BootstrapSession>();
  readonly #perListener = new Map<number, number>();
  readonly #random: (size: number) => Buffer;
  readonly #unknownPerSource = new SourceRateLimit(UNKNOWN_ENDPOINT_EVENTS_PER_SOURCE.perSecond, UNKNOWN_ENDPOINT_EVENTS_PER_SOURCE.burst);
  readonly #unknownTotal = new SourceRateLimit(UNKNOWN_ENDPOINT_EVENTS_TOTAL.perSecond, UNKNOWN_ENDPOINT_EVENTS_TOTAL.burst, 1);
  #closed = false;
  /** bootstrap-failed (unknown_endpoint) events not published because of the rate bounds above. */
  suppressedUnknownEndpointEvents = 0;

  constructor(opts: BootstrapServerOptions) {
    this.#opts = opts;
    this.#entries = opts.entries;
    this.#random = opts.random ?? randomBytes;
  }

  get activeSessions(): number {
    return this.#byEndpoint.size;
  }

  /**
   * Every request arriving on a bootstrap listener. `authenticated` is the
   * endpoint name the peer's DTLS identity is bound to (a secured listener
   * passes it; the plain listener has none).
   */
  handleRequest(msg: CoapMessage, peer: Peer, listener: number, link: BootstrapListenerLink, authenticated?: string): CoapReply {
    const path = stringOptions(msg, CoapOption.URI_PATH);
    if (path.length !== 1 || path[0] !== 'bs') return text(CoapCode.NOT_FOUND, 'not found');
    if (msg.code !== CoapCode.POST) return text(CoapCode.METHOD_NOT_ALLOWED, 'method not allowed');
    const query = parseBootstrapQuery(msg);
    const logger = this.#opts.logger;
    if (!query.ok) {
      // The name cannot become a topic level: nothing is published, and the answer carries no payload.
      if (logger.isLevelEnabled('debug')) logger.debug({ peer: formatPeer(peer.address, peer.port), reason: query.reason }, 'bootstrap: request refused');
      return { code: CoapCode.BAD_REQUEST };
    }
    const { endpoint, pct } = query;
    if (authenticated !== undefined && authenticated !== endpoint) {
      // LwM2M security: the ep of a Bootstrap-Request must match the identity the DTLS session proved (else 4.00).
      logger.warn({ endpoint, authenticated, peer: formatPeer(peer.address, peer.port) }, 'bootstrap: ep does not match the authenticated identity; refused');
      return { code: CoapCode.BAD_REQUEST };
    }
    const entry = this.#entries.lookup(endpoint);
    if (entry === undefined) {
      // Debug only: any peer can send names; the event tells the operator.
      if (logger.isLevelEnabled('debug'))
        logger.debug({ endpoint, peer: formatPeer(peer.address, peer.port) }, 'bootstrap: no configuration for this endpoint');
      if (this.#unknownPerSource.take(peer.address) && this.#unknownTotal.take('all'))
        this.#opts.events.publishBootstrapEvent(endpoint, peer, bootstrapFailedEvent(endpoint, { reason: 'unknown_endpoint' }));
      else this.suppressedUnknownEndpointEvents += 1;
      return text(CoapCode.BAD_REQUEST, 'no bootstrap configuration for this endpoint');
    }
    // A new request from the same device or the same address ends the sequence under way there.
    const previous = [this.#byEndpoint.get(endpoint), this.#byPeer.get(peerKey(peer.address, peer.port))];
    for (const session of new Set(previous)) session?.abort({ reason: 'superseded' });
    if ((this.#perListener.get(listener) ?? 0) >= link.maxSessions) this.#evictUnanswered(listener);
    if ((this.#perListener.get(listener) ?? 0) >= link.maxSessions || this.#closed) {
      logger.warn({ endpoint, listener, maxSessions: link.maxSessions }, 'bootstrap: too many sequences under way; request refused');
      return text(CoapCode.SERVICE_UNAVAILABLE, 'too many bootstrap sequences under way');
    }
    const account = accountFor(entry, endpoint, this.#random);
    const session = new BootstrapSession({
      endpoint,
      peer,
      account,
      listener,
      steps: bootstrapSteps(account, writeFormat(pct)),
      send: link.send,
      cancel: (token) => link.cancel(token),
      timeoutMs: this.#opts.sessionTimeoutMs,
      done: (s, outcome) => this.#finished(s, outcome),
    });
    this.#byEndpoint.set(endpoint, session);
    this.#byPeer.set(peerKey(peer.address, peer.port), session);
    this.#perListener.set(listener, (this.#perListener.get(listener) ?? 0) + 1);
    logger.info({ endpoint, peer: formatPeer(peer.address, peer.port), entry: entry.name, mode: account.securityMode }, 'bootstrap: request accepted');
    this.#opts.events.publishBootstrapEvent(endpoint, peer, bootstrapRequestEvent(endpoint, pct));
    // The server's first request follows the 2.04, which the endpoint sends when this handler returns.
    queueMicrotask(() => {
      if (!session.ended) session.start();
    });
    return { code: CoapCode.CHANGED };
  }

  /** New configurations for the next Bootstrap-Requests; sequences under way keep the account they started with. */
  replaceEntries(entries: BootstrapEntries): void {
    this.#entries = entries;
  }

  /** Ends every sequence without events (gateway shutdown). */
  close(): void {
    this.#closed = true;
    for (const session of [...this.#byEndpoint.values()]) session.abort({ reason: 'superseded' }, true);
    this.#byEndpoint.clear();
    this.#byPeer.clear();
    this.#perListener.clear();
  }

  /**
   * A full listener makes room by ending its oldest sequence whose peer never
   * answered: Bootstrap-Requests with forged source addresses then cannot
   * hold every slot until their retransmissions run out.
   */
  #evictUnanswered(listener: number): void {
    for (const session of this.#byEndpoint.values()) {
      if (session.listener !== listener || session.answered) continue;
      session.abort({ reason: 'evicted' });
      return;
    }
  }

  #finished(session: BootstrapSession, outcome: BootstrapOutcome): void {
    if (this.#byEndpoint.get(session.endpoint) === session) this.#byEndpoint.delete(session.endpoint);
    const key = peerKey(session.peer.address, session.peer.port);
    if (this.#byPeer.get(key) === session) this.#byPeer.delete(key);
    this.#perListener.set(session.listener, Math.max(0, (this.#perListener.get(session.listener) ?? 1) - 1));
    const { endpoint, peer, account } = session;
    const logger = this.#opts.logger;
    if (outcome.ok) {
      if (account.pskIdentity !== undefined && account.pskKey !== undefined) {
        this.#opts.credentials.add(account.pskIdentity, account.pskKey, endpoint);
      }
      logger.info({ endpoint, mode: account.securityMode, serverUri: account.entry.serverUri }, 'bootstrap: finished');
      this.#opts.events.publishBootstrapEvent(endpoint, peer, bootstrapFinishedEvent(endpoint, account, outcome.discovered));
      return;
    }
    const failure = outcome.failure ?? { reason: 'rejected' };
    logger.info({ endpoint, reason: failure.reason, operation: failure.operation, code: failure.code }, 'bootstrap: failed');
    this.#opts.events.publishBootstrapEvent(endpoint, peer, bootstrapFailedEvent(endpoint, failure));
  }
}

/**
 * `ep` exactly once, well-formed UTF-8 and usable as a topic level
 * (checkDeviceSuppliedName); `pct` (LwM2M 1.1) a Content-Format number.
 * Other parameters are ignored.
 */
export function parseBootstrapQuery(msg: CoapMessage): BootstrapQuery {
  let endpoint: string | undefined;
  let pct: number | undefined;
  for (const raw of optionValues(msg, CoapOption.URI_QUERY)) {
    const item = decodeStrictUtf8(raw);
    if (item === undefined) return { ok: false, reason: 'query is not valid UTF-8' };
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (key === 'ep') {
      if (endpoint !== undefined) return { ok: false, reason: 'ep given more than once' };
      const bad = checkDeviceSuppliedName(value);
      if (bad !== undefined) return { ok: false, reason: `ep ${bad}` };
      endpoint = value;
    } else if (key === 'pct') {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) return { ok: false, reason: 'pct is not a Content-Format number' };
      pct = Number(value);
    }
  }
  if (endpoint === undefined) return { ok: false, reason: 'ep is missing' };
  return { ok: true, endpoint, pct };
}

/** A refusal: the reason is logged at debug, never sent (any peer may ask: answers stay within 3x, RFC 7252 §11.3). */
function text(code: string, reason: string): CoapReply {
  return { code, reason };
}
