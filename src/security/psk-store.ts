import { readFile } from 'node:fs/promises';
import { parsePskFile, type PskFileProblem } from './psk-file.js';

/** RFC 4279 §5.3: identities up to 2^16-1 bytes; keys up to 2^16-1 bytes, but OpenSSL takes at most 256 (PSK_MAX_PSK_LEN). */
const MAX_KEY_BYTES = 256;

interface Entry {
  readonly key: Buffer;
  /** The name the identity may register / connect as; the identity itself when undefined. */
  readonly endpoint: string | undefined;
  readonly source: 'file' | 'runtime';
}

export interface PskLoadResult {
  readonly entries: number;
  readonly problems: readonly PskFileProblem[];
}

/**
 * The gateway's pre-shared keys: identity -> key and the one endpoint name /
 * client id that identity may use. Filled from psk_authentication.init_file
 * (replaced on each reload) and at run time through `add` (the bootstrap
 * server provisions devices this way; those entries survive reloads).
 * Keys never leave this object except to the DTLS engine.
 */
export class PskStore {
  readonly #entries = new Map<string, Entry>();
  /** Endpoint names bound to at least one identity: these may not use plain listeners. */
  readonly #securedNames = new Map<string, number>();

  get size(): number {
    return this.#entries.size;
  }

  /** Adds or replaces the key of `identity`, bound to `endpoint` (default: the identity itself). */
  add(identity: string, key: Buffer, endpoint?: string): void {
    this.#set(identity, { key: checkedKey(key), endpoint: endpoint === identity ? undefined : endpoint, source: 'runtime' });
  }

  remove(identity: string): boolean {
    const entry = this.#entries.get(identity);
    if (entry === undefined) return false;
    this.#unindex(identity, entry);
    this.#entries.delete(identity);
    return true;
  }

  /** The key for a handshake, or undefined for an unknown identity. */
  keyFor(identity: string): Buffer | undefined {
    return this.#entries.get(identity)?.key;
  }

  /** The endpoint name / client id `identity` may use; undefined for an unknown identity. */
  nameFor(identity: string): string | undefined {
    if (!this.#entries.has(identity)) return undefined;
    return this.#entries.get(identity)?.endpoint ?? identity;
  }

  /** True when `name` has credentials (so it must not register or connect over plain UDP). */
  isSecured(name: string): boolean {
    return this.#securedNames.has(name);
  }

  /**
   * Reads an init_file. All or nothing: when any line is bad nothing changes
   * (a reload with a typo keeps the keys in force). File entries from the
   * previous load that the file no longer has are removed (revocation);
   * runtime entries stay unless the file names the same identity.
   */
  async load(path: string, separator: string): Promise<PskLoadResult> {
    const text = await readFile(path, 'utf8');
    const { entries, problems } = parsePskFile(text, separator);
    const tooLong = entries.filter((e) => e.key.length > MAX_KEY_BYTES);
    if (problems.length > 0 || tooLong.length > 0) {
      return { entries: 0, problems: [...problems, ...tooLong.map((e) => ({ line: 0, reason: `key of "${e.identity}" longer than ${MAX_KEY_BYTES} bytes` }))] };
    }
    for (const [identity, entry] of [...this.#entries]) {
      if (entry.source === 'file') this.remove(identity);
    }
    for (const e of entries) this.#set(e.identity, { key: e.key, endpoint: e.endpoint === e.identity ? undefined : e.endpoint, source: 'file' });
    return { entries: entries.length, problems: [] };
  }

  #set(identity: string, entry: Entry): void {
    this.remove(identity);
    this.#entries.set(identity, entry);
    const name = entry.endpoint ?? identity;
    this.#securedNames.set(name, (this.#securedNames.get(name) ?? 0) + 1);
  }

  #unindex(identity: string, entry: Entry): void {
    const name = entry.endpoint ?? identity;
    const count = (this.#securedNames.get(name) ?? 1) - 1;
    if (count <= 0) this.#securedNames.delete(name);
    else this.#securedNames.set(name, count);
  }
}

function checkedKey(key: Buffer): Buffer {
  if (key.length === 0 || key.length > MAX_KEY_BYTES) throw new RangeError(`PSK must be 1..${MAX_KEY_BYTES} bytes`);
  return Buffer.from(key);
}
