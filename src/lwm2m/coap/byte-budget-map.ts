interface Slot<V> {
  readonly key: string;
  readonly value: V;
  readonly expiresAt: number;
  /** What the slot costs while queued: the entry's bytes, DEAD_SLOT_BYTES once replaced or deleted. */
  bytes: number;
}

/** A replaced or deleted entry's queue slot until it reaches the head (object + array slot). */
const DEAD_SLOT_BYTES = 64;

/** Compact the queue once this many slots before its head are spent (amortised O(1)). */
const COMPACT_AFTER = 4096;

/**
 * A string-keyed map whose entries expire in insertion order and whose
 * memory is bounded by a byte budget: when a new entry would exceed it, the
 * oldest entries go first. Every operation is O(1) (amortised): a Map for
 * lookup plus an array queue with a head index for age order. (Taking the
 * oldest key from a Map's own iterator is not O(1): V8 walks over the
 * tombstones of deleted entries at the front, which under a flood of
 * distinct keys grows with the map.)
 *
 * A replaced or deleted entry leaves its queue slot behind until the slot
 * reaches the head; such slots stay counted (DEAD_SLOT_BYTES each), so the
 * bound holds whatever the mix of operations.
 */
export class ByteBudgetMap<V> {
  readonly #byKey = new Map<string, Slot<V>>();
  #queue: Slot<V>[] = [];
  #head = 0;
  #bytes = 0;
  readonly #budget: number;
  evictions = 0;

  constructor(budgetBytes: number) {
    this.#budget = Math.max(0, budgetBytes);
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Bytes accounted to queued entries (live or replaced). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The live entry, unless it expired by `now`. */
  get(key: string, now: number): V | undefined {
    const slot = this.#byKey.get(key);
    return slot === undefined || slot.expiresAt <= now ? undefined : slot.value;
  }

  /** Adds or replaces `key`; `bytes` is what the entry costs (measured, see the callers). */
  set(key: string, value: V, expiresAt: number, bytes: number): void {
    while (this.#bytes + bytes > this.#budget && this.#head < this.#queue.length) {
      this.#popOldest();
      this.evictions += 1;
    }
    if (this.#bytes + bytes > this.#budget) return; // larger than the whole budget: not kept
    this.delete(key);
    const slot: Slot<V> = { key, value, expiresAt, bytes };
    this.#byKey.set(key, slot);
    this.#queue.push(slot);
    this.#bytes += bytes;
  }

  delete(key: string): void {
    const slot = this.#byKey.get(key);
    if (slot === undefined) return;
    this.#byKey.delete(key);
    this.#bytes -= slot.bytes - DEAD_SLOT_BYTES;
    slot.bytes = DEAD_SLOT_BYTES;
  }

  /** Forgets entries expired by `now`; entries are assumed to expire in insertion order. */
  sweep(now: number): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head].expiresAt <= now) this.#popOldest();
  }

  clear(): void {
    this.#byKey.clear();
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #popOldest(): void {
    const slot = this.#queue[this.#head];
    this.#queue[this.#head] = undefined as unknown as Slot<V>;
    this.#head += 1;
    this.#bytes -= slot.bytes;
    if (this.#byKey.get(slot.key) === slot) this.#byKey.delete(slot.key);
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
