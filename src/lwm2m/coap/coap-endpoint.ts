import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log.js';
import { formatPeer } from '../../log.js';
import { peerKey, type Peer } from '../../transport/udp.js';
import { DedupCache } from './dedup-cache.js';
import {
  CoapOption,
  EMPTY,
  decodeBlock,
  decodeMessage,
  encodeBlock,
  encodeMessage,
  firstOption,
  isEmptyCode,
  isRequestCode,
  type CoapMessage,
  type CoapOptionValue,
} from './message.js';

/** RFC 7252 §4.8 transmission parameters (ms). */
export interface CoapTransmission {
  readonly ackTimeoutMs: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
  /** Largest Block2-reassembled body accepted (RFC 7959), bytes. */
  readonly maxBodySize: number;
}

/** What a request handler answers: piggy-backed on the ACK for CON requests. */
export interface CoapReply {
  readonly code: string;
  readonly options?: readonly CoapOptionValue[];
  readonly payload?: Buffer;
}

export interface OutboundRequest {
  readonly code: string;
  readonly options: readonly CoapOptionValue[];
  readonly payload?: Buffer;
}

/** Outcome callbacks of one outbound request; exactly one of onResponse/onReset/onTimeout is called. */
export interface RequestCallbacks {
  /** RFC 7252 §5.2.2: the device ACKed with an empty message; a separate response follows. */
  onEmptyAck?(): void;
  onResponse(response: CoapMessage): void;
  onReset(): void;
  onTimeout(): void;
}

export interface CoapEndpointHandlers {
  /** Every well-formed message from a peer (before it is processed). */
  onActivity(peer: Peer): void;
  /** An inbound request; the reply is sent piggy-backed (CON) or as NON. */
  onRequest(request: CoapMessage, peer: Peer): CoapReply;
  /** A response whose token no request waits for (observe notifications). True if taken; else we send RST. */
  onUnmatchedResponse(response: CoapMessage, peer: Peer): boolean;
}

interface Exchange {
  readonly peer: Peer;
  readonly tokenKey: string;
  readonly token: Buffer;
  readonly request: OutboundRequest;
  readonly callbacks: RequestCallbacks;
  midKey: string;
  datagram: Buffer;
  retransmits: number;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  blocks: Buffer[];
  bodySize: number;
}

export interface CoapEndpointStats {
  malformed: number;
  duplicates: number;
  retransmissions: number;
  timeouts: number;
}

/**
 * A thin CoAP endpoint (RFC 7252) over one datagram socket: server side
 * (piggy-backed answers, dedup) and client side (tokens, CON retransmission,
 * empty ACK + separate response, RST, Block2 reassembly) sharing one port,
 * as LwM2M needs the server to send requests from the port the device
 * registered to. It knows CoAP only; LwM2M lives in the handlers.
 */
export class CoapEndpoint {
  readonly #send: (data: Buffer, port: number, address: string) => void;
  readonly #handlers: CoapEndpointHandlers;
  readonly #params: CoapTransmission;
  readonly #logger: Logger;
  readonly #dedup: DedupCache;
  readonly #byMid = new Map<string, Exchange>();
  readonly #byToken = new Map<string, Exchange>();
  #nextMid = Math.floor(Math.random() * 0x10000);
  #closed = false;
  readonly stats: CoapEndpointStats = { malformed: 0, duplicates: 0, retransmissions: 0, timeouts: 0 };

  constructor(opts: {
    send: (data: Buffer, port: number, address: string) => void;
    handlers: CoapEndpointHandlers;
    params: CoapTransmission;
    logger: Logger;
  }) {
    this.#send = opts.send;
    this.#handlers = opts.handlers;
    this.#params = opts.params;
    this.#logger = opts.logger;
    this.#dedup = new DedupCache(exchangeLifetimeMs(opts.params));
  }

  /** Forgets duplicate-detection entries older than EXCHANGE_LIFETIME; called by the owner's periodic sweep. */
  sweep(now: number = Date.now()): void {
    this.#dedup.sweep(now);
  }

  get pendingRequests(): number {
    return this.#byToken.size;
  }

  /** Feed one datagram. Never throws: malformed input is counted and logged at debug. */
  handleDatagram(data: Buffer, address: string, port: number): void {
    if (this.#closed) return;
    let msg: CoapMessage;
    try {
      msg = decodeMessage(data);
    } catch (err) {
      this.stats.malformed += 1;
      this.#logger.debug({ peer: formatPeer(address, port), reason: (err as Error).message }, 'malformed CoAP datagram dropped');
      // RFC 7252 §4.2: a CON with a message format error is rejected with RST (when its header is readable).
      if (data.length >= 4 && ((data[0] as number) & 0xf0) === 0x40) {
        const rst: CoapMessage = { type: 'RST', code: '0.00', messageId: data.readUInt16BE(2), token: EMPTY, options: [], payload: EMPTY };
        this.#send(encodeMessage(rst), port, address);
      }
      return;
    }
    const peer: Peer = { address, port };
    try {
      this.#handlers.onActivity(peer);
      this.#dispatch(msg, peer);
    } catch (err) {
      this.stats.malformed += 1;
      this.#logger.debug({ peer: formatPeer(address, port), err }, 'CoAP message handling failed');
    }
  }

  /** Sends a CON request with a fresh random token; returns the token. */
  request(peer: Peer, request: OutboundRequest, callbacks: RequestCallbacks): Buffer {
    const token = randomBytes(8); // never zero-length (EMQX PR #10257)
    const ex: Exchange = {
      peer,
      token,
      tokenKey: token.toString('hex'),
      request,
      callbacks,
      midKey: '',
      datagram: EMPTY,
      retransmits: 0,
      timeoutMs: 0,
      timer: undefined,
      blocks: [],
      bodySize: 0,
    };
    this.#byToken.set(ex.tokenKey, ex);
    this.#transmit(ex, request.options);
    return token;
  }

  /** Forget a pending request without calling back (device gone). */
  cancel(token: Buffer): void {
    const ex = this.#byToken.get(token.toString('hex'));
    if (ex !== undefined) this.#finish(ex);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const ex of this.#byToken.values()) if (ex.timer !== undefined) clearTimeout(ex.timer);
    this.#byToken.clear();
    this.#byMid.clear();
    this.#dedup.clear();
  }

  // ------------------------------------------------------------ inbound

  #dispatch(msg: CoapMessage, peer: Peer): void {
    if (msg.type === 'ACK' || msg.type === 'RST') {
      this.#onAckOrReset(msg, peer);
      return;
    }
    if (isEmptyCode(msg.code)) {
      // RFC 7252 §4.3: an empty CON is a "CoAP ping", answered with RST; an empty NON is ignored.
      if (msg.type === 'CON') this.#reply(peer, { type: 'RST', code: '0.00', messageId: msg.messageId, token: EMPTY, options: [], payload: EMPTY });
      return;
    }
    const key = `${peerKey(peer.address, peer.port)}|${msg.messageId}`;
    const now = Date.now();
    const seen = this.#dedup.lookup(key, now);
    if (seen !== undefined) {
      // RFC 7252 §4.5: a duplicate is answered with the same reply and not processed again.
      this.stats.duplicates += 1;
      if (seen.reply !== undefined) this.#send(seen.reply, peer.port, peer.address);
      return;
    }
    if (isRequestCode(msg.code)) {
      const reply = this.#handlers.onRequest(msg, peer);
      const out: CoapMessage = {
        type: msg.type === 'CON' ? 'ACK' : 'NON',
        code: reply.code,
        messageId: msg.type === 'CON' ? msg.messageId : this.#allocateMid(),
        token: msg.token,
        options: reply.options ?? [],
        payload: reply.payload ?? EMPTY,
      };
      this.#dedup.remember(key, this.#reply(peer, out), now);
      return;
    }
    // A separate response or an observe notification (CON or NON).
    const handled = this.#onResponse(msg, peer);
    if (msg.type === 'CON' || !handled) {
      // RFC 7252 §5.3.2 / RFC 7641 §3.6: ACK what we take, RST what nobody waits for.
      const out: CoapMessage = { type: handled ? 'ACK' : 'RST', code: '0.00', messageId: msg.messageId, token: EMPTY, options: [], payload: EMPTY };
      this.#dedup.remember(key, this.#reply(peer, out), now);
    } else {
      this.#dedup.remember(key, undefined, now);
    }
  }

  #onAckOrReset(msg: CoapMessage, peer: Peer): void {
    const ex = this.#byMid.get(`${peerKey(peer.address, peer.port)}|${msg.messageId}`);
    if (ex === undefined) return; // late duplicate ACK, or RST to something we no longer track
    if (msg.type === 'RST') {
      this.#finish(ex);
      ex.callbacks.onReset();
      return;
    }
    if (isEmptyCode(msg.code)) {
      // RFC 7252 §5.2.2: stop retransmitting, wait for the separate response.
      this.#byMid.delete(ex.midKey);
      if (ex.timer !== undefined) clearTimeout(ex.timer);
      ex.timer = setTimeout(() => this.#timeout(ex), maxTransmitWaitMs(this.#params));
      ex.timer.unref();
      ex.callbacks.onEmptyAck?.();
      return;
    }
    if (!msg.token.equals(ex.token)) return; // RFC 7252 §5.3.2: token must match
    this.#complete(ex, msg);
  }

  #onResponse(msg: CoapMessage, peer: Peer): boolean {
    const ex = this.#byToken.get(msg.token.toString('hex'));
    if (ex === undefined) return msg.token.length > 0 && this.#handlers.onUnmatchedResponse(msg, peer);
    this.#complete(ex, msg);
    return true;
  }

  #complete(ex: Exchange, msg: CoapMessage): void {
    const block2 = firstOption(msg, CoapOption.BLOCK2);
    if (block2 !== undefined && msg.code.startsWith('2.')) {
      const block = decodeBlock(block2);
      ex.blocks.push(msg.payload);
      ex.bodySize += msg.payload.length;
      if (ex.bodySize > this.#params.maxBodySize) {
        this.#finish(ex);
        ex.callbacks.onResponse({ ...msg, code: '4.13', payload: EMPTY });
        return;
      }
      if (block.more) {
        // RFC 7959 §2.4: ask for the next block with the size the device chose.
        const options = ex.request.options.filter((o) => o.number !== CoapOption.BLOCK2 && o.number !== CoapOption.OBSERVE);
        options.push({ number: CoapOption.BLOCK2, value: encodeBlock({ num: block.num + 1, more: false, szx: block.szx }) });
        if (ex.timer !== undefined) clearTimeout(ex.timer);
        this.#byMid.delete(ex.midKey);
        ex.retransmits = 0;
        this.#transmit(ex, options);
        return;
      }
      const body = Buffer.concat(ex.blocks);
      this.#finish(ex);
      ex.callbacks.onResponse({ ...msg, payload: body, options: msg.options.filter((o) => o.number !== CoapOption.BLOCK2) });
      return;
    }
    this.#finish(ex);
    ex.callbacks.onResponse(msg);
  }

  // ------------------------------------------------------------ outbound

  #transmit(ex: Exchange, options: readonly CoapOptionValue[]): void {
    const messageId = this.#allocateMid();
    ex.midKey = `${peerKey(ex.peer.address, ex.peer.port)}|${messageId}`;
    ex.datagram = encodeMessage({
      type: 'CON',
      code: ex.request.code,
      messageId,
      token: ex.token,
      options,
      payload: ex.request.payload ?? EMPTY,
    });
    this.#byMid.set(ex.midKey, ex);
    // RFC 7252 §4.2: initial timeout random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR].
    ex.timeoutMs = this.#params.ackTimeoutMs * (1 + Math.random() * (this.#params.ackRandomFactor - 1));
    this.#send(ex.datagram, ex.peer.port, ex.peer.address);
    this.#arm(ex);
  }

  #arm(ex: Exchange): void {
    ex.timer = setTimeout(() => this.#retransmit(ex), ex.timeoutMs);
    ex.timer.unref();
  }

  #retransmit(ex: Exchange): void {
    if (ex.retransmits >= this.#params.maxRetransmit) {
      this.#timeout(ex);
      return;
    }
    // RFC 7252 §4.2: retransmit, doubling the timeout, up to MAX_RETRANSMIT times.
    ex.retransmits += 1;
    ex.timeoutMs *= 2;
    this.stats.retransmissions += 1;
    this.#send(ex.datagram, ex.peer.port, ex.peer.address);
    this.#arm(ex);
  }

  #timeout(ex: Exchange): void {
    this.stats.timeouts += 1;
    this.#finish(ex);
    ex.callbacks.onTimeout();
  }

  #finish(ex: Exchange): void {
    if (ex.timer !== undefined) clearTimeout(ex.timer);
    ex.timer = undefined;
    this.#byMid.delete(ex.midKey);
    this.#byToken.delete(ex.tokenKey);
  }

  #reply(peer: Peer, msg: CoapMessage): Buffer {
    const data = encodeMessage(msg);
    this.#send(data, peer.port, peer.address);
    return data;
  }

  #allocateMid(): number {
    this.#nextMid = (this.#nextMid + 1) & 0xffff;
    return this.#nextMid;
  }
}

/** RFC 7252 §4.8.2 MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY. */
export function exchangeLifetimeMs(p: CoapTransmission): number {
  const span = p.ackTimeoutMs * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
  return span + 2 * 100_000 + p.ackTimeoutMs;
}

/** RFC 7252 §4.8.2 MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2 ^ (MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR. */
export function maxTransmitWaitMs(p: CoapTransmission): number {
  return p.ackTimeoutMs * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}
