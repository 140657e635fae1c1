import type { CoapTransmissionConfig, Lwm2mBootstrapConfig } from '../../config/types.js';
import { formatPeer, type Logger } from '../../log.js';
import type { PskStore } from '../../security/psk-store.js';
import type { BindAddress } from '../../transport/bind.js';
import { listenerSpecs, openListeners, type OpenTransport } from '../../transport/listeners.js';
import type { DatagramTransport } from '../../transport/types.js';
import { CoapEndpoint } from '../coap/coap-endpoint.js';
import type { BootstrapEntries } from './bootstrap-entry.js';
import type { BootstrapEventSink } from './bootstrap-events.js';
import { BootstrapServer } from './bootstrap-server.js';
import type { ProvisionedCredentialSink } from './credential-sink.js';

/** Largest Block2-reassembled answer taken from a device (a Discover answer is small). */
const MAX_BODY_SIZE = 64 * 1024;
/** Largest Block1-reassembled Bootstrap-Request body, bytes. */
const MAX_BOOTSTRAP_REQUEST_BODY = 1024;
const SWEEP_INTERVAL_MS = 1000;

export interface BootstrapListenersOptions {
  readonly config: Lwm2mBootstrapConfig;
  readonly coap: CoapTransmissionConfig;
  readonly entries: BootstrapEntries;
  readonly credentials: ProvisionedCredentialSink;
  readonly events: BootstrapEventSink;
  readonly logger: Logger;
  /** Keys for the bootstrap DTLS listeners and the name each identity is bound to (absent: no PSK). */
  readonly keys?: PskStore | undefined;
  /** Replaces the real sockets (tests: the in-memory transport). */
  readonly openTransport?: OpenTransport | undefined;
}

/**
 * The bootstrap server's own listeners (`lwm2m.bootstrap.listeners.udp`,
 * default 0.0.0.0:5685 as Wakaama's LWM2M_BSSERVER_PORT, and
 * `lwm2m.bootstrap.listeners.dtls`, 5686 when configured), each with a CoAP
 * endpoint of the project's exchange layer: the server's requests leave from
 * the port the Bootstrap-Request came to, with RFC 7252 retransmission.
 */
export class BootstrapListeners {
  readonly #transports: DatagramTransport[];
  readonly #coap: CoapEndpoint[];
  readonly #server: BootstrapServer;
  readonly #sweepTimer: NodeJS.Timeout;
  readonly #logger: Logger;
  #closed = false;

  private constructor(transports: DatagramTransport[], coap: CoapEndpoint[], server: BootstrapServer, sweepTimer: NodeJS.Timeout, logger: Logger) {
    this.#logger = logger;
    this.#transports = transports;
    this.#coap = coap;
    this.#server = server;
    this.#sweepTimer = sweepTimer;
  }

  static async start(opts: BootstrapListenersOptions): Promise<BootstrapListeners> {
    const { config, logger } = opts;
    const server = new BootstrapServer({
      entries: opts.entries,
      credentials: opts.credentials,
      events: opts.events,
      sessionTimeoutMs: config.session_timeout,
      logger,
    });
    const specs = listenerSpecs('lwm2m.bootstrap', config.listeners);
    const keys = opts.keys;
    const coap: CoapEndpoint[] = [];
    const opened = await openListeners(
      specs,
      { logger, pskLookup: keys === undefined ? undefined : (identity) => keys.keyFor(identity), open: opts.openTransport },
      (listener, msg, address, port) => coap[listener]?.handleDatagram(msg, address, port),
    );
    const transports = opened.map((o) => o.transport);
    for (const [index, { transport }] of opened.entries()) {
      const maxSessions = specs[index]?.udp.max_connections ?? Number.POSITIVE_INFINITY;
      const coapEndpoint: CoapEndpoint = new CoapEndpoint({
        send: (data, port, address) => transport.send(data, port, address),
        params: {
          ackTimeoutMs: opts.coap.ack_timeout,
          ackRandomFactor: opts.coap.ack_random_factor,
          maxRetransmit: opts.coap.max_retransmit,
          maxBodySize: MAX_BODY_SIZE,
          // A Bootstrap-Request carries no body worth reassembling.
          maxRequestBodySize: MAX_BOOTSTRAP_REQUEST_BODY,
          dedupBudgetBytes: opts.coap.dedup_memory,
        },
        logger,
        handlers: {
          onActivity: () => undefined,
          onRequest: (msg, peer) => {
            // A secured listener: the name the peer's DTLS identity is bound to (PSK entry or certificate CN).
            const security = transport.securityOf(peer.address, peer.port);
            const authenticated =
              security === undefined ? undefined : security.mode === 'psk' ? (keys?.nameFor(security.identity) ?? security.identity) : security.identity;
            const reply = server.handleRequest(
              msg,
              peer,
              index,
              {
                send: (p, request, callbacks) => coapEndpoint.request(p, request, callbacks),
                cancel: (token) => coapEndpoint.cancel(token),
                maxSessions,
              },
              authenticated,
            );
            if (logger.isLevelEnabled('debug')) {
              logger.debug(
                { peer: formatPeer(peer.address, peer.port), code: msg.code, mid: msg.messageId, reply: reply.code, reason: reply.reason },
                'bootstrap: request',
              );
            }
            return reply;
          },
          // Nothing is observed on the bootstrap interface: a stray response gets RST.
          onUnmatchedResponse: () => false,
        },
      });
      coap.push(coapEndpoint);
    }
    const sweepTimer = setInterval(() => {
      for (const c of coap) c.sweep();
    }, SWEEP_INTERVAL_MS);
    sweepTimer.unref();
    const listeners = new BootstrapListeners(transports, coap, server, sweepTimer, logger);
    logger.info({ listeners: listeners.addresses, endpoints: opts.entries.size }, 'bootstrap: server started');
    warnPlainSecrets(opts.entries, logger);
    return listeners;
  }

  get addresses(): BindAddress[] {
    return this.#transports.map((t) => t.address);
  }

  /** bootstrap-failed events for unknown names not published (rate-bounded, see BootstrapServer). */
  get suppressedUnknownEndpointEvents(): number {
    return this.#server.suppressedUnknownEndpointEvents;
  }

  get activeSessions(): number {
    return this.#server.activeSessions;
  }

  /** Serves `entries` from the next Bootstrap-Request on (configuration file reloaded). */
  replaceEntries(entries: BootstrapEntries): void {
    this.#server.replaceEntries(entries);
    this.#logger.info({ endpoints: entries.size }, 'bootstrap: configuration reloaded');
    warnPlainSecrets(entries, this.#logger);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    this.#server.close();
    await Promise.all(this.#coap.map((c) => c.close()));
    await Promise.all(this.#transports.map((t) => t.close()));
  }
}

function warnPlainSecrets(entries: BootstrapEntries, logger: Logger): void {
  const secured = entries.securedEntries();
  if (secured.length === 0) return;
  // Plain CoAP: whoever sends a Bootstrap-Request with a configured name receives that account's secrets.
  logger.warn(
    { entries: secured.length > 20 ? [...secured.slice(0, 20), `... ${secured.length - 20} more`] : secured },
    'bootstrap: PSK/X.509 accounts are handed out over plain UDP (keys travel in clear text); expose the bootstrap listener on trusted networks only',
  );
}
