/**
 * ONE timer for every session's keepalive, sleep, retry and idle deadline: a
 * hashed wheel keyed by absolute slot number (slot = ceil(deadline / resolution)).
 * There is no setTimeout per client. Scheduling is lazy: a target already due
 * earlier than a new deadline stays where it is, fires, and tells the wheel its
 * real next deadline — so refreshing a keepalive on every packet costs nothing.
 */
export interface WheelTarget {
  /** Slot the target sits in, managed by the wheel. */
  wheelSlot: number | undefined;
}

export type DeadlineHandler<T> = (target: T, now: number) => number | undefined;

export class TimerWheel<T extends WheelTarget> {
  readonly resolutionMs: number;
  readonly #slots = new Map<number, Set<T>>();
  readonly #onDue: DeadlineHandler<T>;
  readonly #now: () => number;
  #lastSlot: number;
  #interval: NodeJS.Timeout | undefined;
  #size = 0;

  /** `onDue(target, now)` handles expiry and returns the target's next deadline (or undefined). */
  constructor(resolutionMs: number, onDue: DeadlineHandler<T>, now: () => number = Date.now) {
    this.resolutionMs = resolutionMs;
    this.#onDue = onDue;
    this.#now = now;
    this.#lastSlot = Math.floor(now() / resolutionMs);
  }

  /** Targets currently scheduled. */
  get size(): number {
    return this.#size;
  }

  start(): void {
    if (this.#interval !== undefined) return;
    this.#lastSlot = Math.floor(this.#now() / this.resolutionMs);
    this.#interval = setInterval(() => this.tick(), this.resolutionMs);
  }

  stop(): void {
    if (this.#interval !== undefined) clearInterval(this.#interval);
    this.#interval = undefined;
  }

  /** Ensures `target` fires no later than `at` (ms since epoch). */
  schedule(target: T, at: number): void {
    const slot = Math.max(Math.ceil(at / this.resolutionMs), this.#lastSlot + 1);
    if (target.wheelSlot !== undefined) {
      if (target.wheelSlot <= slot) return;
      this.#remove(target);
    }
    let bucket = this.#slots.get(slot);
    if (bucket === undefined) {
      bucket = new Set();
      this.#slots.set(slot, bucket);
    }
    bucket.add(target);
    target.wheelSlot = slot;
    this.#size += 1;
  }

  cancel(target: T): void {
    if (target.wheelSlot !== undefined) this.#remove(target);
  }

  /** Runs every slot up to now. Called by the interval; public for tests. */
  tick(): void {
    const now = this.#now();
    const current = Math.floor(now / this.resolutionMs);
    while (this.#lastSlot < current) {
      this.#lastSlot += 1;
      const bucket = this.#slots.get(this.#lastSlot);
      if (bucket === undefined) continue;
      this.#slots.delete(this.#lastSlot);
      for (const target of bucket) {
        target.wheelSlot = undefined;
        this.#size -= 1;
        const next = this.#onDue(target, now);
        if (next !== undefined) this.schedule(target, next);
      }
    }
  }

  #remove(target: T): void {
    const slot = target.wheelSlot as number;
    const bucket = this.#slots.get(slot);
    if (bucket !== undefined && bucket.delete(target)) {
      this.#size -= 1;
      if (bucket.size === 0) this.#slots.delete(slot);
    }
    target.wheelSlot = undefined;
  }
}
