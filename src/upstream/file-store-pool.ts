import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, storeDirectoryFor } from './file-store.js';

/** The outgoing and incoming stores of one client id. */
export interface ClientStores {
  readonly outgoing: FileStore;
  readonly incoming: FileStore;
}

/** What a previous run left in the store directory for one client id. */
export interface StoredSession {
  readonly clientId: string;
  /** The clean session flag of its last session; undefined when not recorded. */
  readonly cleanSession: boolean | undefined;
  /** Files in its outgoing store (QoS 1/2 PUBLISH or PUBREL not yet acknowledged by the broker). */
  readonly outgoing: number;
}

interface PoolEntry {
  readonly stores: Promise<ClientStores>;
  users: number;
}

/** Beside `outgoing/` and `incoming/`: the client id and clean session flag of the last session. */
const SESSION_FILE = 'session.json';

/**
 * Hands out one pair of file stores per client id and shares it while more
 * than one session of that id is alive (a takeover overlaps the old and the
 * new session): two FileStore instances on one directory would pick the same
 * file names. Entries are dropped when their last session ends, so the pool
 * holds only live sessions; the directory of a client id whose stores are
 * empty by then is removed, so the directory holds only what is in flight.
 */
export class FileStorePool {
  readonly #prefix: string;
  readonly #entries = new Map<string, PoolEntry>();
  /** Directory removals in progress, by client id: an acquire of that id waits for its removal. */
  readonly #removals = new Map<string, Promise<void>>();

  constructor(directoryPrefix: string) {
    this.#prefix = directoryPrefix;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The stores of `clientId`; call {@link release} once the session using them
   * is over. A clean session (MQTT 3.1.1 §3.1.2.4) opening the stores discards
   * incoming QoS 2 messages a previous session left waiting for PUBREL; its
   * outgoing publishes stay and are sent again on connect (at least once).
   */
  acquire(clientId: string, cleanSession: boolean): Promise<ClientStores> {
    let entry = this.#entries.get(clientId);
    const base = storeDirectoryFor(this.#prefix, clientId);
    if (entry === undefined) {
      const removal = this.#removals.get(clientId) ?? Promise.resolve();
      const stores = removal
        .then(() => Promise.all([FileStore.open(join(base, 'outgoing')), FileStore.open(join(base, 'incoming'))]))
        .then(async ([outgoing, incoming]) => {
          if (cleanSession) await incoming.clear();
          return { outgoing, incoming };
        });
      entry = { stores, users: 0 };
      this.#entries.set(clientId, entry);
      stores.catch(() => {
        if (this.#entries.get(clientId) === entry) this.#entries.delete(clientId);
      });
    }
    entry.users += 1;
    const opened = entry.stores;
    return opened.then(async (stores) => {
      await writeSessionFile(base, clientId, cleanSession);
      return stores;
    });
  }

  release(clientId: string): void {
    const entry = this.#entries.get(clientId);
    if (entry === undefined) return;
    entry.users -= 1;
    if (entry.users > 0) return;
    this.#entries.delete(clientId);
    const removal = this.#removeIfEmpty(clientId, entry.stores).finally(() => {
      if (this.#removals.get(clientId) === removal) this.#removals.delete(clientId);
    });
    this.#removals.set(clientId, removal);
  }

  /** Waits for the directory removals started by {@link release}. */
  async settled(): Promise<void> {
    await Promise.all([...this.#removals.values()]);
  }

  /** Client ids with files in their outgoing store, as found on disk (e.g. at startup, after a crash). */
  async storedSessions(): Promise<StoredSession[]> {
    const names = await readdir(this.#prefix).catch(() => [] as string[]);
    const found: StoredSession[] = [];
    for (const name of names.sort()) {
      const base = join(this.#prefix, name);
      const outgoing = (await readdir(join(base, 'outgoing')).catch(() => [] as string[])).filter((file) => file.endsWith('.json')).length;
      if (outgoing === 0) continue;
      const session = await readSessionFile(base);
      // Without a session file (an older gateway wrote the directory), the client id is the name unescaped.
      const clientId = session?.clientId ?? unescapeSegment(name);
      if (clientId === undefined || storeDirectoryFor(this.#prefix, clientId) !== base) continue;
      found.push({ clientId, cleanSession: session?.cleanSession, outgoing });
    }
    return found;
  }

  async #removeIfEmpty(clientId: string, opened: Promise<ClientStores>): Promise<void> {
    const stores = await opened.catch(() => undefined);
    if (stores === undefined || stores.outgoing.size > 0 || stores.incoming.size > 0) return;
    await Promise.all([closeStore(stores.outgoing), closeStore(stores.incoming)]);
    // Filled again by a session that still held the stores (MQTT.js finishing a callback)? Keep it.
    if (stores.outgoing.size > 0 || stores.incoming.size > 0 || this.#entries.has(clientId)) return;
    await rm(storeDirectoryFor(this.#prefix, clientId), { recursive: true, force: true }).catch(() => undefined);
  }
}

function closeStore(store: FileStore): Promise<void> {
  return new Promise((resolve) => store.close(() => resolve()));
}

let sessionFileWrites = 0;

async function writeSessionFile(base: string, clientId: string, cleanSession: boolean): Promise<void> {
  const path = join(base, SESSION_FILE);
  // Overlapping sessions of one client id each write it: one temporary file each.
  const temporary = `${path}.${(sessionFileWrites += 1)}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify({ clientId, cleanSession }));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function readSessionFile(base: string): Promise<{ clientId: string; cleanSession: boolean } | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(join(base, SESSION_FILE), 'utf8'));
    if (value === null || typeof value !== 'object') return undefined;
    const { clientId, cleanSession } = value as { clientId?: unknown; cleanSession?: unknown };
    return typeof clientId === 'string' && typeof cleanSession === 'boolean' ? { clientId, cleanSession } : undefined;
  } catch {
    return undefined;
  }
}

/** The inverse of the escaping in storeDirectoryFor; undefined for a name it cannot have made. */
function unescapeSegment(name: string): string | undefined {
  if (name === '%') return '';
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}
