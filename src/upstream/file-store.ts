import type { IStore, Packet } from 'mqtt';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

type DoneCallback = (error?: Error) => void;
type PacketCallback = (error?: Error, packet?: Packet) => void;

interface StoredEntry {
  readonly file: string;
  packet: Packet;
  /** The PUBLISH a PUBREL replaced (QoS 2 after PUBREC), kept to publish it again if the broker loses the session. */
  released: Packet | undefined;
}

const FILE_SUFFIX = '.json';
const SEQUENCE_DIGITS = 12;

/**
 * An MQTT.js message store that keeps each in-flight packet (outgoing QoS 1/2
 * PUBLISH, PUBREL; incoming QoS 2 PUBLISH) in its own file, so that after a
 * gateway restart MQTT.js re-sends them on connect (MQTT 3.1.1 §4.4). The
 * packets are also held in memory (the store only holds what is in flight,
 * which the session bounds); files are written atomically (write + rename)
 * and named by a sequence number so their order survives a restart.
 * {@link FileStore.inMemory} is the same store without files.
 *
 * A PUBREL keeps the PUBLISH it replaced: see {@link reviveReleased}.
 */
export class FileStore implements IStore {
  /** undefined: in memory only. */
  readonly #directory: string | undefined;
  /** By message id, in insertion order (Map order), which is the re-send order. */
  readonly #entries = new Map<number, StoredEntry>();
  #nextSequence: number;
  /** Disk operations run one after another, in call order. */
  #tail: Promise<void> = Promise.resolve();
  /** Waiting for the store to hold nothing (see whenEmpty). */
  #emptyWaiters: (() => void)[] = [];

  private constructor(directory: string | undefined, nextSequence: number) {
    this.#directory = directory;
    this.#nextSequence = nextSequence;
  }

  /** The store without files (the `Memory` store type). */
  static inMemory(): FileStore {
    return new FileStore(undefined, 1);
  }

  /** Opens (creating if needed) the store in `directory` and loads what a previous run left. */
  static async open(directory: string): Promise<FileStore> {
    await mkdir(directory, { recursive: true });
    const names = (await readdir(directory)).sort();
    let nextSequence = 1;
    const loaded: { file: string; packet: Packet; released: Packet | undefined }[] = [];
    for (const name of names) {
      const path = join(directory, name);
      if (!name.endsWith(FILE_SUFFIX)) {
        // A write interrupted by a crash (the rename never happened).
        await unlink(path).catch(() => undefined);
        continue;
      }
      const sequence = Number.parseInt(name.slice(0, -FILE_SUFFIX.length), 10);
      if (Number.isFinite(sequence)) nextSequence = Math.max(nextSequence, sequence + 1);
      const decoded = decodeEntry(await readFile(path, 'utf8').catch(() => ''));
      if (decoded === undefined) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      loaded.push({ file: name, ...decoded });
    }
    const store = new FileStore(directory, nextSequence);
    for (const { file, packet, released } of loaded) {
      const id = messageIdOf(packet);
      if (id !== undefined) store.#entries.set(id, { file, packet, released });
    }
    return store;
  }

  /** Number of packets held. */
  get size(): number {
    return this.#entries.size;
  }

  put(packet: Packet, cb: DoneCallback): this {
    const id = messageIdOf(packet);
    if (id === undefined) {
      cb(new Error('file store: packet without messageId'));
      return this;
    }
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = { file: `${String(this.#nextSequence++).padStart(SEQUENCE_DIGITS, '0')}${FILE_SUFFIX}`, packet, released: undefined };
      this.#entries.set(id, entry);
    } else {
      // PUBREL replaces its PUBLISH, keeping its place in the order (and the PUBLISH, see reviveReleased).
      entry.released = packet.cmd === 'pubrel' && entry.packet.cmd === 'publish' ? entry.packet : packet.cmd === 'pubrel' ? entry.released : undefined;
      entry.packet = packet;
    }
    this.#write(entry, cb);
    return this;
  }

  /**
   * The broker has no session for us (CONNACK session present 0, MQTT 3.1.1
   * §3.2.2.2): a PUBREL would find no message there (mosquitto answers an
   * unknown PUBREL with PUBCOMP and delivers nothing), so each PUBREL whose
   * PUBLISH is known becomes that PUBLISH again, to be sent as a new message.
   * Synchronous, so that it runs between the CONNACK and MQTT.js reading the
   * store. Returns how many were revived.
   */
  reviveReleased(): number {
    let revived = 0;
    for (const entry of this.#entries.values()) {
      if (entry.packet.cmd !== 'pubrel' || entry.released === undefined) continue;
      entry.packet = { ...entry.released, dup: false } as Packet;
      entry.released = undefined;
      this.#write(entry, () => undefined);
      revived += 1;
    }
    return revived;
  }

  #write(entry: StoredEntry, cb: DoneCallback): void {
    const directory = this.#directory;
    if (directory === undefined) {
      cb();
      return;
    }
    const text = encodeEntry(entry);
    const path = join(directory, entry.file);
    this.#enqueue(async () => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    }, cb);
  }

  #unlink(files: readonly string[], cb: DoneCallback): void {
    const directory = this.#directory;
    if (directory === undefined) {
      cb();
      return;
    }
    this.#enqueue(() => Promise.all(files.map((file) => unlink(join(directory, file)).catch(() => undefined))), cb);
  }

  get(packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    const entry = packet.messageId === undefined ? undefined : this.#entries.get(packet.messageId);
    if (entry === undefined) cb(new Error('missing packet'));
    else cb(undefined, entry.packet);
    return this;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    const id = packet.messageId;
    const entry = id === undefined ? undefined : this.#entries.get(id);
    if (id === undefined || entry === undefined) {
      cb(new Error('missing packet'));
      return this;
    }
    this.#entries.delete(id);
    this.#unlink([entry.file], (error) => {
      cb(error, entry.packet);
      this.#notifyIfEmpty();
    });
    return this;
  }

  /** Forgets every held packet and removes its file. */
  clear(): Promise<void> {
    const files = [...this.#entries.values()].map((entry) => entry.file);
    this.#entries.clear();
    return new Promise((resolve) => {
      this.#unlink(files, () => {
        resolve();
        this.#notifyIfEmpty();
      });
    });
  }

  /** Resolves once the store holds no packet and its files are gone. */
  whenEmpty(): Promise<void> {
    return new Promise((resolve) => {
      this.#emptyWaiters.push(resolve);
      this.#notifyIfEmpty();
    });
  }

  #notifyIfEmpty(): void {
    if (this.#entries.size > 0 || this.#emptyWaiters.length === 0) return;
    const waiters = this.#emptyWaiters;
    this.#emptyWaiters = [];
    const settled = (): void => {
      if (this.#entries.size > 0)
        this.#emptyWaiters.push(...waiters); // filled again meanwhile
      else for (const waiter of waiters) waiter();
    };
    this.#tail.then(settled, settled);
  }

  /** The held packets in order, already buffered (MQTT.js reads them with `read(1)`). */
  createStream(): ReturnType<IStore['createStream']> {
    const stream = new Readable({ objectMode: true, read: () => undefined });
    for (const entry of this.#entries.values()) stream.push(entry.packet);
    stream.push(null);
    return stream as unknown as ReturnType<IStore['createStream']>;
  }

  /** Waits for pending disk writes. The store stays usable (MQTT.js reuses it after reconnect). */
  close(cb: DoneCallback): void {
    this.#tail.then(
      () => cb(),
      () => cb(),
    );
  }

  #enqueue(operation: () => Promise<unknown>, cb: DoneCallback): void {
    this.#tail = this.#tail.then(operation).then(
      () => cb(),
      (error: unknown) => cb(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

/** The store directory of one client: `<prefix>/<client id, escaped to one safe path segment>`. */
export function storeDirectoryFor(prefix: string, clientId: string): string {
  const segment = clientId === '' ? '%' : encodeURIComponent(clientId).replace(/\./g, '%2E').replace(/\*/g, '%2A');
  return join(prefix, segment);
}

function messageIdOf(packet: Packet): number | undefined {
  const id = (packet as { messageId?: unknown }).messageId;
  return typeof id === 'number' ? id : undefined;
}

/** The packet; a PUBREL carries the PUBLISH it replaced as `$publish`. */
function encodeEntry(entry: StoredEntry): string {
  const value = entry.released === undefined ? entry.packet : { ...entry.packet, $publish: entry.released };
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (Buffer.isBuffer(raw)) return { $base64: raw.toString('base64') };
    if (raw instanceof Uint8Array) return { $base64: Buffer.from(raw).toString('base64') };
    return value;
  });
}

function decodeEntry(text: string): { packet: Packet; released: Packet | undefined } | undefined {
  try {
    const value: unknown = JSON.parse(text, (_key, raw: unknown) => {
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const b64 = (raw as { $base64?: unknown }).$base64;
        if (typeof b64 === 'string' && Object.keys(raw).length === 1) return Buffer.from(b64, 'base64');
      }
      return raw;
    });
    if (value === null || typeof value !== 'object') return undefined;
    const { $publish, ...packet } = value as { $publish?: unknown; cmd?: unknown };
    if (typeof packet.cmd !== 'string' || messageIdOf(packet as Packet) === undefined) return undefined;
    const released = $publish !== null && typeof $publish === 'object' && ($publish as { cmd?: unknown }).cmd === 'publish' ? ($publish as Packet) : undefined;
    return { packet: packet as Packet, released };
  } catch {
    return undefined;
  }
}
