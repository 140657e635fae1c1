import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { formatPeer } from '../../log.js';
import { peerKey, type Peer } from '../../transport/bind.js';
import { Block1Assembler } from './block1-assembly.js';
import { DedupCache } from './dedup-cache.js';
import { hasInvalidBlockOption, requestOptionProblem } from './option-checks.js';
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

/**
 * RFC 7959 §2.5: request payloads above one block go out block-wise (Block1)
 * in blocks of 2^(SZX+4) bytes; 1024 as EMQX's blockwise.max_block_size.
 */
const BLOCK1_SZX = 6;
const blockSize = (szx: number): number => 1 << (szx + 4);

/** RFC 7252 §4.8 transmission parameters (ms). */
export interface CoapTransmission {
  readonly ackTimeoutMs: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
  /** Largest Block2-reassembled body accepted (RFC 7959), bytes. */
  readonly maxBodySize: number;
  /** Largest Block1-reassembled request body accepted (RFC 7959 §2.3), bytes. */
  readonly maxRequestBodySize: number;
  /**
   * Byte budget of the duplicate-detection cache, again of the Block1 reassembly buffers, and again of
   * all Block2 bodies being reassembled at once (each also bounded by maxBodySize).
   */
  readonly dedupBudgetBytes: number;
}

/** What a request handler answers: piggy-backed on the ACK for CON requests. */
export interface CoapReply {
  readonly code: string;
  readonly options?: readonly CoapOptionValue[];
  readonly payload?: Buffer;
  /** Why the request was refused: logged at debug, never sent (no diagnostic payloads, RFC 7252 §11.3). */
  readonly reason?: string;
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
  /**
   * The response; for a Block2 transfer the reassembled body. `fromBlock` is
   * the Block2 NUM the payload starts at: the request's own NUM when it asked
   * for the rest of a body, 0 when the payload is the whole representation
   * (also when the device ignored a Block2 NUM > 0, RFC 7959 §2.2).
   */
  onResponse(response: CoapMessage, fromBlock: number): void;
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
  /** Block2 NUM expected next (RFC 7959 §2.4); the request's own Block2 NUM when it starts mid-body. */
  nextBlock: number;
  /** The first Block2 response: its options (Observe, Content-Format) describe the whole body. */
  firstBlock: CoapMessage | undefined;
  /** Block2 NUM the request started at (0 unless it asked for the rest of a body). */
  readonly firstBlockNum: number;
  /** Block1 upload under way (RFC 7959 §2.5): byte offset of the block in flight and its SZX. */
  block1: { offset: number; szx: number } | undefined;
}

export interface CoapEndpointStats {
  /** Datagrams that are not CoAP (RFC 7252 §3 message format errors) or failed in handling. */
  malformed: number;
  /** Requests refused for their options: unrecognised critical option (4.02), bad Block option (4.00). */
  badOptions: number;
  /** Block1 blocks refused: not continuing a body (4.08), wrong size (4.00), body too large (4.13). */
  badBlocks: number;
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
  readonly #block1: Block1Assembler;
  /** Bytes held by every Block2 body under reassembly (bounded by dedupBudgetBytes). */
  #block2Held = 0;
  /** Message IDs of NON answers to peers we never sent a request to (no per-peer state for them). */
  #sharedMid = Math.floor(Math.random() * 0x10000);
  readonly #byMid = new Map<string, Exchange>();
  readonly #byToken = new Map<string, Exchange>();
  /**
   * RFC 7252 §4.4: Message IDs must not be reused towards the same peer
   * within EXCHANGE_LIFETIME. One counter per peer (a shared counter wraps
   * after 65,536 messages to all devices together, well within 247 s on a
   * large fleet, and the device would take a new request for a duplicate).
   * Entries are re-inserted on use, so the sweep forgets idle peers from the
   * front of the Map.
   */
  readonly #mids = new Map<string, { next: number; usedAt: number }>();
  readonly #exchangeLifetimeMs: number;
  #closed = false;
  readonly stats: CoapEndpointStats = { malformed: 0, badOptions: 0, badBlocks: 0, duplicates: 0, retransmissions: 0, timeouts: 0 };

  constructor(opts: { send: (data: Buffer, port: number, address: string) => void; handlers: CoapEndpointHandlers; params: CoapTransmission; logger: Logger }) {
    this.#send = opts.send;
    this.#handlers = opts.handlers;
    this.#params = opts.params;
    this.#logger = opts.logger;
    this.#exchangeLifetimeMs = exchangeLifetimeMs(opts.params);
    this.#dedup = new DedupCache(this.#exchangeLifetimeMs, opts.params.dedupBudgetBytes);
    this.#block1 = new Block1Assembler({
      maxBody: opts.params.maxRequestBodySize,
      budgetBytes: opts.params.dedupBudgetBytes,
      lifetimeMs: this.#exchangeLifetimeMs,
    });
  }

  /**
   * Forgets duplicate-detection entries and per-peer Message ID counters
   * idle for EXCHANGE_LIFETIME; called by the owner's periodic sweep.
   */
  sweep(now: number = Date.now()): void {
    this.#dedup.sweep(now);
    this.#block1.sweep(now);
    for (const [key, entry] of this.#mids) {
      if (entry.usedAt + this.#exchangeLifetimeMs > now) break;
      this.#mids.delete(key);
    }
  }

  /** Peers with a live Message ID counter (bounded by the sweep). */
  get midCounters(): number {
    return this.#mids.size;
  }

  get pendingRequests(): number {
    return this.#byToken.size;
  }

  /** Duplicate-detection entries held, their accounted bytes, and entries evicted early to stay in budget. */
  get dedup(): { readonly entries: number; readonly bytes: number; readonly evictions: number } {
    return { entries: this.#dedup.size, bytes: this.#dedup.bytes, evictions: this.#dedup.evictions };
  }

  /** Feed one datagram. Never throws: malformed input is counted and logged at debug. */
  handleDatagram(data: Buffer, address: string, port: number): void {
    if (this.#closed) return;
    let msg: CoapMessage;
    try {
      msg = decodeMessage(data);
      if (!isRequestCode(msg.code) && hasInvalidBlockOption(msg))
        throw new GatewayError('GW_ERR_CODEC', 'Block option with SZX 7 or longer than 3 bytes (RFC 7959 §2.2)');
    } catch (err) {
      this.stats.malformed += 1;
      if (this.#logger.isLevelEnabled('debug'))
        this.#logger.debug({ peer: formatPeer(address, port), reason: (err as Error).message }, 'malformed CoAP datagram dropped');
      // RFC 7252 §4.2: a CON with a message format error is rejected with RST (when its header is readable).
      if (data.length >= 4 && (data[0] & 0xf0) === 0x40) {
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
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ peer: formatPeer(address, port), err }, 'CoAP message handling failed');
    }
  }

  /**
   * Sends a CON request with a fresh random token (or `token`, e.g. the
   * observation's own token for an RFC 7641 §3.6 deregistration, unless an
   * exchange already uses it); returns the token.
   */
  request(peer: Peer, request: OutboundRequest, callbacks: RequestCallbacks, token?: Buffer): Buffer {
    if (token === undefined || token.length === 0 || this.#byToken.has(token.toString('hex'))) {
      token = randomBytes(8); // never zero-length (EMQX PR #10257)
    }
    const block2 = request.options.find((o) => o.number === CoapOption.BLOCK2);
    const startBlock = block2 === undefined ? 0 : decodeBlock(block2.value).num;
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
      nextBlock: startBlock,
      firstBlock: undefined,
      firstBlockNum: startBlock,
      block1: undefined,
    };
    const payload = request.payload ?? EMPTY;
    if (payload.length > this.#params.maxBodySize) {
      throw new GatewayError('GW_ERR_CODEC', `request cannot be sent: body of ${payload.length} bytes is above ${this.#params.maxBodySize}`);
    }
    this.#byToken.set(ex.tokenKey, ex);
    try {
      if (payload.length > blockSize(BLOCK1_SZX)) {
        ex.block1 = { offset: 0, szx: BLOCK1_SZX };
        this.#transmitBlock1(ex);
      } else {
        this.#transmit(ex, request.options, payload);
      }
    } catch (err) {
      // Nothing was sent (e.g. options larger than one datagram); forget the exchange.
      this.#finish(ex);
      throw new GatewayError('GW_ERR_CODEC', `request cannot be sent: ${(err as Error).message}`, { cause: err });
    }
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
    this.#block2Held = 0;
    this.#byMid.clear();
    this.#mids.clear();
    this.#dedup.clear();
    this.#block1.clear();
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
    if (msg.type === 'NON' && !isRequestCode(msg.code) && firstOption(msg, CoapOption.OBSERVE) !== undefined) {
      // A NON notification: not remembered for deduplication. RFC 7641 §3.4's Observe ordering
      // already drops a repeated one (same Observe value: not fresh), and at 20,000 notifications/s
      // one cache entry each for EXCHANGE_LIFETIME would hold millions of entries.
      if (!this.#onResponse(msg, peer)) {
        this.#reply(peer, { type: 'RST', code: '0.00', messageId: msg.messageId, token: EMPTY, options: [], payload: EMPTY });
      }
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
      const reply = this.#serve(msg, peer, now);
      if (reply === undefined) {
        this.#dedup.remember(key, undefined, now);
        return;
      }
      const out: CoapMessage = {
        type: msg.type === 'CON' ? 'ACK' : 'NON',
        code: reply.code,
        messageId: msg.type === 'CON' ? msg.messageId : this.#nonReplyMid(peer),
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

  /** The answer to a request (undefined: none, a NON refused for its options is dropped, RFC 7252 §5.4.1). */
  #serve(msg: CoapMessage, peer: Peer, now: number): CoapReply | undefined {
    const problem = requestOptionProblem(msg);
    if (problem !== undefined) {
      this.stats.badOptions += 1;
      if (this.#logger.isLevelEnabled('debug'))
        this.#logger.debug({ peer: formatPeer(peer.address, peer.port), reason: problem.reason }, 'CoAP request refused for its options');
      return msg.type === 'CON' ? { code: problem.code, reason: problem.reason } : undefined;
    }
    const step = this.#block1.step(msg, peerKey(peer.address, peer.port), now);
    if (step.kind === 'answer') {
      if (step.reason !== undefined) this.stats.badBlocks += 1;
      if (step.reason !== undefined && this.#logger.isLevelEnabled('debug'))
        this.#logger.debug({ peer: formatPeer(peer.address, peer.port), reason: step.reason }, 'CoAP Block1 request refused');
      return step;
    }
    const reply = this.#handlers.onRequest(step.request, peer);
    // RFC 7959 §2.3: the answer to the last block carries its Block1 option.
    if (step.block1 === undefined) return reply;
    return { ...reply, options: [...(reply.options ?? []), { number: CoapOption.BLOCK1, value: step.block1 }] };
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
    if (ex.block1 !== undefined) {
      const total = (ex.request.payload ?? EMPTY).length;
      const sent = ex.block1.offset + blockSize(ex.block1.szx);
      if (msg.code === '2.31' && sent < total) {
        // RFC 7959 §2.5: 2.31 Continue: send the next block, smaller if the device asks for a smaller SZX.
        const ack = firstOption(msg, CoapOption.BLOCK1);
        const szx = ack === undefined ? ex.block1.szx : Math.min(ex.block1.szx, decodeBlock(ack).szx);
        ex.block1 = { offset: sent, szx };
        this.#restart(ex);
        this.#transmitBlock1(ex);
        return;
      }
      // The final answer (or an error such as 4.08 / 4.13 ending the upload).
      ex.block1 = undefined;
    }
    const block2 = firstOption(msg, CoapOption.BLOCK2);
    if (block2 !== undefined && msg.code.startsWith('2.')) {
      const block = decodeBlock(block2);
      if (block.num !== ex.nextBlock) {
        // RFC 7959 §2.4: not the block asked for; the body cannot be completed.
        this.#finish(ex);
        ex.callbacks.onResponse({ ...msg, code: '4.08', payload: EMPTY }, 0);
        return;
      }
      ex.nextBlock += 1;
      ex.firstBlock ??= msg;
      ex.blocks.push(msg.payload);
      ex.bodySize += msg.payload.length;
      this.#block2Held += msg.payload.length;
      // Each body is bounded, and so are all of them together: devices choose how many blocks they send.
      if (ex.bodySize > this.#params.maxBodySize || this.#block2Held > this.#params.dedupBudgetBytes) {
        this.#finish(ex);
        ex.callbacks.onResponse({ ...msg, code: '4.13', payload: EMPTY }, 0);
        return;
      }
      if (block.more) {
        // RFC 7959 §2.4: ask for the next block with the size the device chose.
        const options = ex.request.options.filter((o) => o.number !== CoapOption.BLOCK2 && o.number !== CoapOption.OBSERVE);
        options.push({ number: CoapOption.BLOCK2, value: encodeBlock({ num: block.num + 1, more: false, szx: block.szx }) });
        this.#restart(ex);
        const payload = ex.request.payload ?? EMPTY;
        // A body that went out in Block1 blocks is not sent again with each Block2 request.
        this.#transmit(ex, options, payload.length > blockSize(BLOCK1_SZX) ? EMPTY : payload);
        return;
      }
      const body = Buffer.concat(ex.blocks);
      this.#finish(ex);
      // Later blocks answer plain GETs (no Observe option): the first block's options describe the body.
      const first = ex.firstBlock ?? msg;
      const options = first.options.filter((o) => o.number !== CoapOption.BLOCK2 && o.number !== CoapOption.SIZE2);
      ex.callbacks.onResponse({ ...msg, payload: body, options }, ex.firstBlockNum);
      return;
    }
    this.#finish(ex);
    ex.callbacks.onResponse(msg, 0);
  }

  // ------------------------------------------------------------ outbound

  /** A new message of the same exchange follows: stop the old one's timer and MID matching. */
  #restart(ex: Exchange): void {
    if (ex.timer !== undefined) clearTimeout(ex.timer);
    ex.timer = undefined;
    this.#byMid.delete(ex.midKey);
    ex.retransmits = 0;
  }

  /** RFC 7959 §2.5: the Block1 block at ex.block1.offset, with M set while more follow. */
  #transmitBlock1(ex: Exchange): void {
    const { offset, szx } = ex.block1 as { offset: number; szx: number };
    const payload = ex.request.payload ?? EMPTY;
    const size = blockSize(szx);
    const more = offset + size < payload.length;
    const options = [...ex.request.options, { number: CoapOption.BLOCK1, value: encodeBlock({ num: offset / size, more, szx }) }];
    this.#transmit(ex, options, payload.subarray(offset, offset + size));
  }

  #transmit(ex: Exchange, options: readonly CoapOptionValue[], payload: Buffer): void {
    const messageId = this.#allocateMid(ex.peer);
    ex.midKey = `${peerKey(ex.peer.address, ex.peer.port)}|${messageId}`;
    ex.datagram = encodeMessage({
      type: 'CON',
      code: ex.request.code,
      messageId,
      token: ex.token,
      options,
      payload,
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
    this.#block2Held -= ex.bodySize;
    ex.bodySize = 0;
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

  /**
   * A NON answer's Message ID: the peer's own counter if we keep one (a
   * device we sent requests to), else a shared counter, so that a flood of
   * NON requests from unverified (e.g. spoofed) addresses creates no state.
   */
  #nonReplyMid(peer: Peer): number {
    if (this.#mids.has(peerKey(peer.address, peer.port))) return this.#allocateMid(peer);
    this.#sharedMid = (this.#sharedMid + 1) & 0xffff;
    return this.#sharedMid;
  }

  #allocateMid(peer: Peer): number {
    const key = peerKey(peer.address, peer.port);
    const entry = this.#mids.get(key) ?? { next: Math.floor(Math.random() * 0x10000), usedAt: 0 };
    const mid = entry.next;
    entry.next = (mid + 1) & 0xffff;
    entry.usedAt = Date.now();
    this.#mids.delete(key);
    this.#mids.set(key, entry);
    return mid;
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
