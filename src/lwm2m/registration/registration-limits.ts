/** Where a registration lives, for counting: its listener index and source address. */
export interface Placement {
  readonly listener: number;
  readonly address: string;
}

/**
 * Counts registrations per listener (`max_connections`) and per source
 * address (`max_registrations_per_address`, 0 = no limit) and decides
 * whether one more fits. A registration that moves (Register or Update
 * through another listener, or from another address) is counted where it
 * goes and released where it was.
 */
export class RegistrationLimits {
  readonly #perListener: number[];
  readonly #maxPerListener: readonly number[];
  readonly #perAddress = new Map<string, number>();
  readonly #maxPerAddress: number;

  constructor(maxPerListener: readonly number[], maxPerAddress: number) {
    this.#maxPerListener = maxPerListener;
    this.#perListener = maxPerListener.map(() => 0);
    this.#maxPerAddress = maxPerAddress;
  }

  on(listener: number): number {
    return this.#perListener[listener] ?? 0;
  }

  from(address: string): number {
    return this.#perAddress.get(address) ?? 0;
  }

  /** Why `to` has no room for a registration now at `from` (undefined for a new one), or undefined if it fits. */
  refusal(from: Placement | undefined, to: Placement): string | undefined {
    if (from?.listener !== to.listener) {
      const max = this.#maxPerListener[to.listener] ?? Number.POSITIVE_INFINITY;
      if (this.on(to.listener) >= max) return `listener ${to.listener} holds max_connections (${max}) registrations`;
    }
    if (this.#maxPerAddress > 0 && from?.address !== to.address && this.from(to.address) >= this.#maxPerAddress) {
      return `${to.address} holds max_registrations_per_address (${this.#maxPerAddress}) registrations`;
    }
    return undefined;
  }

  /** Moves the count from `from` (undefined for a new registration) to `to`. */
  move(from: Placement | undefined, to: Placement): void {
    if (from !== undefined) this.release(from);
    this.#perListener[to.listener] = this.on(to.listener) + 1;
    this.#perAddress.set(to.address, this.from(to.address) + 1);
  }

  release(at: Placement): void {
    this.#perListener[at.listener] = Math.max(0, this.on(at.listener) - 1);
    const left = this.from(at.address) - 1;
    if (left > 0) this.#perAddress.set(at.address, left);
    else this.#perAddress.delete(at.address);
  }
}
