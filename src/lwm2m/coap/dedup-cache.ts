/** About 150 bytes each: 1,000,000 entries bound the cache near 150 MB whatever arrives. */
const DEFAULT_MAX_ENTRIES = 1_000_000;

/**
 * RFC 7252 §4.5 message deduplication: remembers (peer, Message ID) of
 * inbound CON/NON messages for EXCHANGE_LIFETIME together with the reply we
 * sent, so a retransmitted message is answered again without being
 * processed twice. Entries are inserted in time order, so expiry is a sweep
 * from the front of one Map: no timer per message.
 */
export class DedupCache {
  /**
   * The reply is kept as a latin1 string (one byte per byte): a Buffer costs
   * ~200 bytes of JS object and backing store on top of its data, and every
   * Register leaves one entry for EXCHANGE_LIFETIME (issue #4 memory per device).
   */
  readonly #entries = new Map<string, { readonly expiresAt: number; readonly reply: string | undefined }>();
  readonly #lifetimeMs: number;
  readonly #maxEntries: number;

  /**
   * `maxEntries` caps memory under a flood (e.g. spoofed source addresses):
   * beyond it the oldest entry is forgotten early, which at worst lets a
   * very late duplicate be processed twice.
   */
  constructor(lifetimeMs: number, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#lifetimeMs = lifetimeMs;
    this.#maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for a message seen before (its cached reply may be undefined), else undefined. */
  lookup(key: string, now: number): { readonly expiresAt: number; readonly reply: Buffer | undefined } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return { expiresAt: entry.expiresAt, reply: entry.reply === undefined ? undefined : Buffer.from(entry.reply, 'latin1') };
  }

  remember(key: string, reply: Buffer | undefined, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { expiresAt: now + this.#lifetimeMs, reply: reply?.toString('latin1') });
  }

  sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
