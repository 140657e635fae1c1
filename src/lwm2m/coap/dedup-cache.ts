/**
 * RFC 7252 §4.5 message deduplication: remembers (peer, Message ID) of
 * inbound CON/NON messages for EXCHANGE_LIFETIME together with the reply we
 * sent, so a retransmitted message is answered again without being
 * processed twice. Entries are inserted in time order, so expiry is a sweep
 * from the front of one Map: no timer per message.
 */
export class DedupCache {
  readonly #entries = new Map<string, { readonly expiresAt: number; reply: Buffer | undefined }>();
  readonly #lifetimeMs: number;

  constructor(lifetimeMs: number) {
    this.#lifetimeMs = lifetimeMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for a message seen before (its cached reply may be undefined), else undefined. */
  lookup(key: string, now: number): { reply: Buffer | undefined } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return entry;
  }

  remember(key: string, reply: Buffer | undefined, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { expiresAt: now + this.#lifetimeMs, reply });
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
