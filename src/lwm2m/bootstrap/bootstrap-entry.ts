/** LwM2M 1.1 TS Core E.1 (Security object /0, resource 2): the Security Mode values we provision. */
export const SECURITY_MODE = { psk: 0, x509: 2, nosec: 3 } as const;
export type SecurityModeName = keyof typeof SECURITY_MODE;

/**
 * One validated entry of the bootstrap configuration file: the account of
 * the LwM2M server the device is to use (Security /0 and Server /1
 * instances) and how the bootstrap sequence runs.
 */
export interface BootstrapEntry {
  /** The entry's name in the file: an endpoint name, or `*` (the wildcard default). */
  readonly name: string;
  readonly serverUri: string;
  readonly securityMode: SecurityModeName;
  /** psk: the identity; undefined = the device's endpoint name. */
  readonly pskIdentity: string | undefined;
  /** psk: the key bytes; undefined = 16 random bytes generated per bootstrap. */
  readonly pskKey: Buffer | undefined;
  /** x509: client certificate (DER), written to /0/x/3. */
  readonly certificate: Buffer | undefined;
  /** x509: client private key (PKCS#8 DER), written to /0/x/5. */
  readonly privateKey: Buffer | undefined;
  /** x509: server certificate or trust anchor (DER), written to /0/x/4. */
  readonly serverCertificate: Buffer | undefined;
  readonly shortServerId: number;
  /** Seconds. */
  readonly lifetime: number;
  readonly binding: string;
  readonly notificationStoring: boolean;
  /** Bootstrap-Delete targets, in order (`/`, `/0`, `/1/0`...). */
  readonly delete: readonly string[];
  /** Send a Bootstrap-Discover (`GET /`) first. */
  readonly discover: boolean;
  readonly securityInstance: number;
  readonly serverInstance: number;
}

/** The entry name that applies to every endpoint without an entry of its own. */
export const WILDCARD = '*';

/** All entries, looked up by endpoint name (exact entry first, then the wildcard). */
export class BootstrapEntries {
  readonly #byName: ReadonlyMap<string, BootstrapEntry>;

  constructor(entries: readonly BootstrapEntry[]) {
    this.#byName = new Map(entries.map((e) => [e.name, e]));
  }

  lookup(endpoint: string): BootstrapEntry | undefined {
    return this.#byName.get(endpoint) ?? this.#byName.get(WILDCARD);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Names of the entries whose account carries secrets (psk, x509). */
  securedEntries(): string[] {
    return [...this.#byName.values()].filter((e) => e.securityMode !== 'nosec').map((e) => e.name);
  }
}
