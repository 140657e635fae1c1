/**
 * Bounded FIFO for downlink messages that wait for a client: while it sleeps
 * (MQTT-SN v1.2 §6.14), while its in-flight window is full, or while a
 * REGISTER is outstanding. Overflow drops the OLDEST entry and returns it so
 * the caller can count and log it.
 */
export class SleepBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[] = [];
  #head = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Appends; returns the dropped oldest item when the buffer was full. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.size >= this.capacity) dropped = this.shift();
    this.#items.push(item);
    return dropped;
  }

  /** Puts an item back at the front (a message to resend first). May exceed capacity by the requeued items. */
  unshift(item: T): void {
    if (this.#head > 0) {
      this.#head -= 1;
      this.#items[this.#head] = item;
    } else {
      this.#items.unshift(item);
    }
  }

  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 32 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i += 1) yield this.#items[i] as T;
  }
}
