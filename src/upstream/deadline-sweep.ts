/** A registered deadline; `cancel()` is O(1). */
export interface Deadline {
  cancel(): void;
}

interface Entry extends Deadline {
  readonly due: number;
  readonly onExpire: () => void;
}

/**
 * One timer for many deadlines of the same length (e.g. every publish's write
 * timeout): entries are kept in insertion order, which is due order, and one
 * interval timer expires the head of the line. No timer per message.
 * A deadline fires between `timeoutMs` and `timeoutMs + tick` after `add`.
 */
export class DeadlineSweep {
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  readonly #entries = new Set<Entry>();
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#tickMs = Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4)));
  }

  get size(): number {
    return this.#entries.size;
  }

  add(onExpire: () => void): Deadline {
    const entries = this.#entries;
    const entry: Entry = {
      due: Date.now() + this.#timeoutMs,
      onExpire,
      cancel: () => {
        entries.delete(entry);
      },
    };
    entries.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), this.#tickMs);
      this.#timer.unref();
    }
    return entry;
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#entries) {
      if (entry.due > now) break;
      this.#entries.delete(entry);
      entry.onExpire();
    }
    if (this.#entries.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Drops every deadline without firing it. */
  clear(): void {
    this.#entries.clear();
    this.#stopTimer();
  }
}
