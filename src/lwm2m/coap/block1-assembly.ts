import { ByteBudgetMap } from './byte-budget-map.js';
import { CoapOption, decodeBlock, firstOption, uintOption, uintOptionOf, type CoapMessage, type CoapOptionValue } from './message.js';

/** Heap bytes of one assembly beyond its payload bytes (slot, key, block list); a generous estimate. */
const ASSEMBLY_OVERHEAD = 256;

interface Assembly {
  /** Copies of the blocks received (a datagram's buffer is not ours to keep). */
  readonly blocks: Buffer[];
  size: number;
  /** Block NUM expected next (in blocks of `szx`). */
  next: number;
  readonly szx: number;
}

/** What to do with a request that may carry Block1 (RFC 7959 §2.3). */
export type Block1Step =
  /** The whole request (a single message, or the reassembled body); `block1` goes on the final answer. */
  | { readonly kind: 'whole'; readonly request: CoapMessage; readonly block1: Buffer | undefined }
  /** Answer this without calling the handler (2.31 Continue, 4.08, 4.13). */
  | { readonly kind: 'answer'; readonly code: string; readonly options: readonly CoapOptionValue[]; readonly reason?: string };

/**
 * Server side of RFC 7959 Block1: reassembles a request body sent in
 * blocks, per peer and request URI, up to `maxBody` bytes. Partial bodies
 * are state an unverified peer creates: they live in a byte-bounded map
 * (oldest dropped first) and expire after `lifetimeMs`.
 */
export class Block1Assembler {
  readonly #assemblies: ByteBudgetMap<Assembly>;
  readonly #maxBody: number;
  readonly #lifetimeMs: number;

  constructor(opts: { maxBody: number; budgetBytes: number; lifetimeMs: number }) {
    this.#maxBody = opts.maxBody;
    this.#lifetimeMs = opts.lifetimeMs;
    this.#assemblies = new ByteBudgetMap(opts.budgetBytes);
  }

  get size(): number {
    return this.#assemblies.size;
  }

  /** The request's Block1 option, if any, has passed isValidBlock. */
  step(msg: CoapMessage, peerKey: string, now: number): Block1Step {
    const option = firstOption(msg, CoapOption.BLOCK1);
    if (option === undefined) return { kind: 'whole', request: msg, block1: undefined };
    const block = decodeBlock(option);
    const size = 1 << (block.szx + 4);
    const key = `${peerKey}|${msg.code}|${uriOf(msg)}`;
    // RFC 7959 §4: Size1 announces the whole body; refuse early what cannot fit.
    const announced = uintOptionOf(msg, CoapOption.SIZE1);
    if (announced !== undefined && announced > this.#maxBody) return this.#tooLarge(key);
    if (block.num === 0 && !block.more) return { kind: 'whole', request: withoutBlock1(msg, msg.payload), block1: option };
    const previous = block.num === 0 ? undefined : this.#assemblies.get(key, now);
    if (block.num > 0 && (previous === undefined || previous.next !== block.num || previous.szx !== block.szx)) {
      // RFC 7959 §2.3: a block that does not continue a body we hold.
      this.#assemblies.delete(key);
      return { kind: 'answer', code: '4.08', options: [], reason: `Block1 NUM ${block.num} does not continue a body` };
    }
    // RFC 7959 §2.2: every block but the last carries exactly 2^(SZX+4) bytes.
    if (block.more && msg.payload.length !== size) {
      this.#assemblies.delete(key);
      return { kind: 'answer', code: '4.00', options: [], reason: `Block1 block of ${msg.payload.length} bytes, SZX says ${size}` };
    }
    const total = (previous?.size ?? 0) + msg.payload.length;
    if (total > this.#maxBody) return this.#tooLarge(key);
    if (block.more) {
      const assembly = previous ?? { blocks: [], size: 0, next: 0, szx: block.szx };
      assembly.blocks.push(Buffer.from(msg.payload));
      assembly.size = total;
      assembly.next = block.num + 1;
      // Set again with its new size: the budget follows the body as it grows.
      this.#assemblies.set(key, assembly, now + this.#lifetimeMs, ASSEMBLY_OVERHEAD + key.length + total);
      // RFC 7959 §2.3: 2.31 Continue, echoing the block received.
      return { kind: 'answer', code: '2.31', options: [{ number: CoapOption.BLOCK1, value: option }] };
    }
    this.#assemblies.delete(key);
    const body = previous === undefined ? msg.payload : Buffer.concat([...previous.blocks, msg.payload]);
    return { kind: 'whole', request: withoutBlock1(msg, body), block1: option };
  }

  sweep(now: number): void {
    this.#assemblies.sweep(now);
  }

  clear(): void {
    this.#assemblies.clear();
  }

  #tooLarge(key: string): Block1Step {
    this.#assemblies.delete(key);
    // RFC 7959 §2.9.3: 4.13 with Size1 telling the largest body accepted.
    return {
      kind: 'answer',
      code: '4.13',
      options: [{ number: CoapOption.SIZE1, value: uintOption(this.#maxBody) }],
      reason: `request body above ${this.#maxBody} bytes`,
    };
  }
}

function uriOf(msg: CoapMessage): string {
  let uri = '';
  for (const o of msg.options) if (o.number === CoapOption.URI_PATH) uri += `/${o.value.toString('latin1')}`;
  return uri;
}

function withoutBlock1(msg: CoapMessage, payload: Buffer): CoapMessage {
  return { ...msg, options: msg.options.filter((o) => o.number !== CoapOption.BLOCK1 && o.number !== CoapOption.SIZE1), payload };
}
