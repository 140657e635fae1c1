import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../config/package-root.js';

/** Opaque OpenSSL objects held by the addon (napi externals). */
export interface NativeContext {
  readonly __brand: 'NativeContext';
}
export interface NativeSession {
  readonly __brand: 'NativeSession';
}

export interface NativeContextOptions {
  /** OpenSSL cipher list (colon-separated). */
  readonly ciphers: string;
  readonly certfile?: string | undefined;
  readonly keyfile?: string | undefined;
  readonly cacertfile?: string | undefined;
  readonly verifyPeer: boolean;
  readonly failIfNoPeerCert: boolean;
  /** Called synchronously during a handshake with the identity the client sent; the key, or undefined. */
  readonly pskLookup?: ((identity: string) => Buffer | undefined) | undefined;
}

/** A PSK client context (RFC 4279): every session sends `pskIdentity` and uses `pskKey`. */
export interface NativeClientContextOptions {
  readonly client: true;
  /** OpenSSL cipher list (colon-separated). */
  readonly ciphers: string;
  readonly pskIdentity: string;
  readonly pskKey: Buffer;
}

export interface NativePeerInfo {
  readonly pskIdentity?: string;
  readonly subjectCN?: string;
  readonly certificateVerified?: boolean;
  readonly cipher?: string;
}

/** 0 handshaking, 1 established, -1 failed or closed. */
export type HandshakeState = 0 | 1 | -1;

/** The API of native/dtls.c (see that file). */
export interface DtlsNative {
  readonly openssl: string;
  createContext(options: NativeContextOptions | NativeClientContextOptions): NativeContext;
  newSession(context: NativeContext, mtu: number): NativeSession;
  listen(session: NativeSession, datagram: Buffer, cookie: Buffer, previousCookie: Buffer | null): [accepted: boolean, out: Buffer | undefined];
  handshake(
    session: NativeSession,
    datagram: Buffer | undefined,
  ): [state: HandshakeState, out: Buffer | undefined, records: Buffer[], error: string | undefined];
  write(session: NativeSession, data: Buffer): Buffer | undefined;
  timeout(session: NativeSession): number;
  handleTimeout(session: NativeSession): [ok: boolean, out: Buffer | undefined];
  peerInfo(session: NativeSession): NativePeerInfo;
  close(session: NativeSession, notify: boolean): Buffer | undefined;
}

let loaded: DtlsNative | undefined;

/**
 * The DTLS engine: a small N-API addon built by `npm ci` (binding.gyp)
 * against the OpenSSL that Node.js itself links, so no second TLS library
 * is shipped. Loaded on first use: a gateway without DTLS listeners never
 * needs it.
 */
export function dtlsNative(): DtlsNative {
  if (loaded !== undefined) return loaded;
  const path = join(packageRoot(), 'build', 'Release', 'snlw_dtls.node');
  const require = createRequire(import.meta.url);
  try {
    loaded = require(path) as DtlsNative;
  } catch (err) {
    throw new Error(`DTLS engine not built (${path}): run "npm ci" or "npm run build:native" (needs g++, make, python3)`, { cause: err });
  }
  return loaded;
}
