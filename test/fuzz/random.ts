/**
 * A small seeded PRNG (mulberry32) and the choices the fuzz generators make
 * with it: the same seed always yields the same datagrams.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(256);
    return out;
  }

  /** Lengths skewed small: mostly under 16, sometimes up to `max`. */
  length(max: number): number {
    return this.chance(0.8) ? this.int(Math.min(16, max + 1)) : this.int(max + 1);
  }
}

/** Mutations any protocol's datagram gets: bit flips, truncation, extension, overwritten or duplicated spans. */
export function mutateBytes(rand: Random, input: Buffer): Buffer {
  const buf = Buffer.from(input);
  switch (rand.int(6)) {
    case 0: {
      const flips = rand.range(1, 4);
      for (let i = 0; i < flips && buf.length > 0; i += 1) {
        const at = rand.int(buf.length);
        buf[at] = buf[at] ^ (1 << rand.int(8));
      }
      return buf;
    }
    case 1:
      return buf.subarray(0, rand.int(buf.length + 1));
    case 2:
      return Buffer.concat([buf, rand.bytes(rand.range(1, 32))]);
    case 3: {
      if (buf.length === 0) return buf;
      const at = rand.int(buf.length);
      const value = rand.pick([0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, rand.int(256)]);
      buf[at] = value;
      return buf;
    }
    case 4: {
      if (buf.length < 2) return buf;
      const start = rand.int(buf.length);
      const end = Math.min(buf.length, start + rand.range(1, 16));
      return Buffer.concat([buf.subarray(0, end), buf.subarray(start, end), buf.subarray(end)]);
    }
    default: {
      if (buf.length < 2) return buf;
      const start = rand.int(buf.length);
      return Buffer.concat([buf.subarray(0, start), buf.subarray(Math.min(buf.length, start + rand.range(1, 8)))]);
    }
  }
}

/** Strings a hostile device puts where a name goes: wildcards, separators, NUL, control characters, invalid UTF-8, long. */
export function wildName(rand: Random, pool: readonly string[]): Buffer {
  switch (rand.int(12)) {
    case 0:
      return Buffer.from(rand.pick(['+', '#', 'a/+', 'a/#', 'x+y', 'x#', '/', '//', 'a/b', '$SYS/x', '../x', '']));
    case 1:
      return Buffer.from(`${rand.pick(pool)}\u0000${rand.int(10)}`);
    case 2:
      return Buffer.from([0x61, rand.pick([0x80, 0xc0, 0xc3, 0xed, 0xf4, 0xf8, 0xff]), rand.int(256)]);
    case 3:
      return Buffer.from(`${rand.pick(pool)}${String.fromCharCode(rand.range(1, 31))}`);
    case 4:
      return Buffer.from('x'.repeat(rand.range(24, 400)));
    case 5:
      return rand.bytes(rand.length(40));
    case 6:
      return Buffer.from(rand.pick(['ä', '€uro', '😀', 'urn:dev:1', 'a b', '%2B', '\u200b']));
    default:
      return Buffer.from(rand.pick(pool));
  }
}
