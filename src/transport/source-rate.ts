/**
 * A rate per source address: a token bucket per IP (not per port, so a flood
 * from many ports of one host counts together), holding at most `maxSources`
 * entries; the oldest entry goes first when that is reached. DTLS handshakes
 * per source use it, and with one key as a global bucket, the bootstrap
 * server's events for unknown names.
 */
export class SourceRateLimit {
  readonly #ratePerSecond: number;
  readonly #burst: number;
  readonly #maxSources: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(ratePerSecond: number, burst: number, maxSources = 10_000) {
    this.#ratePerSecond = ratePerSecond;
    this.#burst = burst;
    this.#maxSources = maxSources;
  }

  /** True when this source may do one more now (and counts it). */
  take(address: string, now = Date.now()): boolean {
    if (this.#ratePerSecond <= 0) return true;
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxSources) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      bucket = { tokens: this.#burst, at: now };
    } else {
      this.#buckets.delete(address);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#ratePerSecond);
      bucket.at = now;
    }
    this.#buckets.set(address, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
