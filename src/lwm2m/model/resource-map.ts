import type { ResourceModel } from './types.js';

/**
 * An immutable map of resources by id. A frozen `Map` can still be changed
 * with `set()`, so models hold this read-only view over a private copy.
 */
export class FrozenResourceMap implements ReadonlyMap<number, ResourceModel> {
  readonly #map: Map<number, ResourceModel>;

  constructor(entries: Iterable<readonly [number, ResourceModel]>) {
    this.#map = new Map(entries);
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: number): ResourceModel | undefined {
    return this.#map.get(key);
  }

  has(key: number): boolean {
    return this.#map.has(key);
  }

  forEach(callback: (value: ResourceModel, key: number, map: ReadonlyMap<number, ResourceModel>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#map) callback.call(thisArg, value, key, this);
  }

  entries(): MapIterator<[number, ResourceModel]> {
    return this.#map.entries();
  }

  keys(): MapIterator<number> {
    return this.#map.keys();
  }

  values(): MapIterator<ResourceModel> {
    return this.#map.values();
  }

  [Symbol.iterator](): MapIterator<[number, ResourceModel]> {
    return this.#map.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'FrozenResourceMap';
  }
}
