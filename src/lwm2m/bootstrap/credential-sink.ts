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
 * The in-process store of provisioned credentials: the latest key per
 * identity wins (a device that bootstraps again gets a new key and the old
 * one stops working). Held in memory only: after a restart a device whose
 * key was generated must bootstrap again.
 */
export class InMemoryProvisionedCredentials implements ProvisionedCredentialSink {
  readonly #byIdentity = new Map<string, ProvisionedCredential>();

  add(identity: string, key: Buffer, endpoint: string): void {
    this.#byIdentity.set(identity, { key: Buffer.from(key), endpoint });
  }

  get(identity: string): ProvisionedCredential | undefined {
    return this.#byIdentity.get(identity);
  }

  get size(): number {
    return this.#byIdentity.size;
  }
}
