/**
 * Where the bootstrap server hands the PSK credentials it provisioned, so
 * that the device can then authenticate with them over DTLS. Called once
 * per successful Bootstrap-Finish of a `psk` account (never before the
 * device accepted its configuration).
 */
export interface ProvisionedCredentialSink {
  /** `identity` / `key`: what was written to Security /0/x/3 and /0/x/5; `endpoint`: the name the identity may register as. */
  add(identity: string, key: Buffer, endpoint: string): void;
}

export interface ProvisionedCredential {
  readonly key: Buffer;
  readonly endpoint: string;
}

/**
 * Default bound of the in-memory store: EMQX's default max_connections per listener. With a `*` PSK entry
 * any peer can have keys generated for invented endpoint names, so the store must not grow with them.
 */
export const DEFAULT_MAX_PROVISIONED_CREDENTIALS = 102_400;

/**
 * The in-process store of provisioned credentials: the latest key per
 * identity wins (a device that bootstraps again gets a new key and the old
 * one stops working). Held in memory only: after a restart a device whose
 * key was generated must bootstrap again. At most `maxEntries` are kept:
 * beyond that the least recently added or looked-up one is forgotten, and
 * that device recovers as after a restart, by bootstrapping again.
 */
export class InMemoryProvisionedCredentials implements ProvisionedCredentialSink {
  readonly #byIdentity = new Map<string, ProvisionedCredential>();
  readonly #maxEntries: number;

  constructor(maxEntries: number = DEFAULT_MAX_PROVISIONED_CREDENTIALS) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  add(identity: string, key: Buffer, endpoint: string): void {
    // Deleted first: a Map keeps insertion order, so re-adding moves the identity to the newest end.
    this.#byIdentity.delete(identity);
    this.#byIdentity.set(identity, { key: Buffer.from(key), endpoint });
    while (this.#byIdentity.size > this.#maxEntries) {
      const oldest = this.#byIdentity.keys().next();
      if (oldest.done === true) break;
      this.#byIdentity.delete(oldest.value);
    }
  }

  /** The credential of an identity; a hit counts as use (it is the last to be forgotten). */
  get(identity: string): ProvisionedCredential | undefined {
    const credential = this.#byIdentity.get(identity);
    if (credential !== undefined) {
      this.#byIdentity.delete(identity);
      this.#byIdentity.set(identity, credential);
    }
    return credential;
  }

  get size(): number {
    return this.#byIdentity.size;
  }
}
