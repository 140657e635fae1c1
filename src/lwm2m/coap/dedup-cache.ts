import { ByteBudgetMap } from './byte-budget-map.js';

/**
 * Heap bytes one entry costs beyond its key and reply characters: string
 * headers, the slot object, its Map and queue slots. Measured with
 * bench/lwm2m/dedup-footprint.ts on Node 20 x64: ~239 bytes for a flood
 * entry (19-character key, 8-byte reply), so 239 - 27 rounded up.
 */
export const DEDUP_ENTRY_OVERHEAD = 216;

/**
 * RFC 7252 §4.5 message deduplication: remembers (peer, Message ID) of
 * inbound CON/NON messages for EXCHANGE_LIFETIME together with the reply we
 * sent, so a retransmitted message is answered again without being
 * processed twice. Bounded in bytes (any peer, verified or not, can add
 * entries): beyond the budget the oldest entry is forgotten early, which at
 * worst lets a very late duplicate be processed twice.
 */
export class DedupCache {
  /**
   * The reply is kept as a latin1 string (one byte per character): a Buffer
   * costs ~200 bytes of JS object and backing store on top of its data.
   * "" stands for "no reply was sent" (a CoAP message is never empty).
   */
  readonly #entries: ByteBudgetMap<string>;
  readonly #lifetimeMs: number;

  constructor(lifetimeMs: number, budgetBytes: number) {
    this.#lifetimeMs = lifetimeMs;
    this.#entries = new ByteBudgetMap(budgetBytes);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#entries.bytes;
  }

  /** Entries forgotten before their lifetime to stay within the budget. */
  get evictions(): number {
    return this.#entries.evictions;
  }

  /** The cached reply of a message seen before (`reply` undefined when none was sent), else undefined. */
  lookup(key: string, now: number): { readonly reply: Buffer | undefined } | undefined {
    const reply = this.#entries.get(key, now);
    if (reply === undefined) return undefined;
    return { reply: reply === '' ? undefined : Buffer.from(reply, 'latin1') };
  }

  remember(key: string, reply: Buffer | undefined, now: number): void {
    const text = reply === undefined ? '' : reply.toString('latin1');
    // Strings of one-byte characters cost one byte each (V8 SeqOneByteString).
    this.#entries.set(key, text, now + this.#lifetimeMs, DEDUP_ENTRY_OVERHEAD + key.length + text.length);
  }

  sweep(now: number): void {
    this.#entries.sweep(now);
  }

  clear(): void {
    this.#entries.clear();
  }
}
