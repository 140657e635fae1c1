import { join } from 'node:path';
import { FileStore, storeDirectoryFor } from './file-store.js';

/** The outgoing and incoming stores of one client id. */
export interface ClientStores {
  readonly outgoing: FileStore;
  readonly incoming: FileStore;
}

interface PoolEntry {
  readonly stores: Promise<ClientStores>;
  users: number;
}

/**
 * Hands out one pair of file stores per client id and shares it while more
 * than one session of that id is alive (a takeover overlaps the old and the
 * new session): two FileStore instances on one directory would pick the same
 * file names. Entries are dropped when their last session ends, so the pool
 * holds only live sessions.
 */
export class FileStorePool {
  readonly #prefix: string;
  readonly #entries = new Map<string, PoolEntry>();

  constructor(directoryPrefix: string) {
    this.#prefix = directoryPrefix;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The stores of `clientId`; call {@link release} once the session using them is over. */
  acquire(clientId: string): Promise<ClientStores> {
    let entry = this.#entries.get(clientId);
    if (entry === undefined) {
      const base = storeDirectoryFor(this.#prefix, clientId);
      const stores = Promise.all([FileStore.open(join(base, 'outgoing')), FileStore.open(join(base, 'incoming'))]).then(([outgoing, incoming]) => ({
        outgoing,
        incoming,
      }));
      entry = { stores, users: 0 };
      this.#entries.set(clientId, entry);
      stores.catch(() => {
        if (this.#entries.get(clientId) === entry) this.#entries.delete(clientId);
      });
    }
    entry.users += 1;
    return entry.stores;
  }

  release(clientId: string): void {
    const entry = this.#entries.get(clientId);
    if (entry === undefined) return;
    entry.users -= 1;
    if (entry.users <= 0) this.#entries.delete(clientId);
  }
}
