import type { QueryParams } from './register-query.js';

/** Separates `key=value` pairs inside the packed text (never part of a stored pair, see pack()). */
const SEP = '\u0000';

/**
 * A registration's query parameters (Register merged with every Update)
 * stored as ONE string (<= 4 KiB per registered device; a Map
 * with its hash table and a key and value string per entry cost ~400 bytes).
 * Read on demand (register / update events, queue mode), never on the
 * traffic path. Insertion order is kept; valueless parameters read as "".
 */
export class PackedQuery {
  /** `k=v` pairs joined by SEP; or the pairs themselves if one of them contains SEP. */
  readonly #packed: string | readonly string[];
  readonly size: number;

  private constructor(packed: string | readonly string[], size: number) {
    this.#packed = packed;
    this.size = size;
  }

  static from(params: QueryParams): PackedQuery {
    const pairs: string[] = [];
    let plain = true;
    for (const [k, v] of params) {
      const pair = v === '' && !k.includes('=') ? k : `${k}=${v}`;
      if (pair.includes(SEP)) plain = false;
      pairs.push(pair);
    }
    // Flat one-byte string; a value with NUL (never seen in practice) keeps the array instead.
    return new PackedQuery(plain ? pairs.join(SEP) : pairs, pairs.length);
  }

  get(key: string): string | undefined {
    for (const [k, v] of this) if (k === key) return v;
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A mutable copy (Update merge). */
  toMap(): QueryParams {
    return new Map(this);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    if (this.size === 0) return;
    const pairs = typeof this.#packed === 'string' ? this.#packed.split(SEP) : this.#packed;
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      yield eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    }
  }
}
