import { randomBytes } from 'node:crypto';
import { encodeWrite } from '../content/encode.js';
import { ContentFormat, type WriteEntry } from '../content/types.js';
import type { Lwm2mPath } from '../path.js';
import { SECURITY_MODE, type BootstrapEntry, type SecurityModeName } from './bootstrap-entry.js';

/** Length of a generated PSK: 128 bits, the strength of the AES-128 suites LwM2M mandates. */
const GENERATED_PSK_BYTES = 16;

/**
 * The concrete account one device receives: its entry with the identity
 * and key filled in (endpoint name as identity, a fresh random key when
 * the entry has none).
 */
export interface ServerAccount {
  readonly entry: BootstrapEntry;
  readonly securityMode: SecurityModeName;
  /** psk: the PSK identity (/0/x/3 as UTF-8). */
  readonly pskIdentity: string | undefined;
  /** psk: the key (/0/x/5). */
  readonly pskKey: Buffer | undefined;
}

export function accountFor(entry: BootstrapEntry, endpoint: string, random: (size: number) => Buffer = randomBytes): ServerAccount {
  if (entry.securityMode !== 'psk') return { entry, securityMode: entry.securityMode, pskIdentity: undefined, pskKey: undefined };
  return {
    entry,
    securityMode: 'psk',
    pskIdentity: entry.pskIdentity ?? endpoint,
    pskKey: entry.pskKey ?? random(GENERATED_PSK_BYTES),
  };
}

/**
 * Content-Format of the Bootstrap-Writes: the client's `pct` (LwM2M 1.1 TS
 * Core §5.2, Bootstrap-Request) when it is one that can carry an object instance and we
 * encode (TLV, SenML JSON, SenML CBOR); else TLV, which every 1.0 client supports.
 */
export function writeFormat(pct: number | undefined): number {
  if (pct === ContentFormat.SENML_JSON || pct === ContentFormat.SENML_CBOR || pct === ContentFormat.TLV) return pct;
  return ContentFormat.TLV;
}

/** The Security object instance (LwM2M 1.1 TS Core E.1) of the account. */
export function securityInstanceEntries(account: ServerAccount): { path: Lwm2mPath; entries: WriteEntry[] } {
  const { entry } = account;
  const path: Lwm2mPath = { objectId: 0, instanceId: entry.securityInstance };
  const r = (resourceId: number, type: WriteEntry['type'], value: unknown): WriteEntry => ({ path: { ...path, resourceId }, type, value });
  let identity: Buffer = Buffer.alloc(0);
  let serverKey: Buffer = Buffer.alloc(0);
  let secret: Buffer = Buffer.alloc(0);
  if (account.securityMode === 'psk') {
    identity = Buffer.from(account.pskIdentity ?? '', 'utf8');
    secret = account.pskKey ?? secret;
  } else if (account.securityMode === 'x509') {
    identity = entry.certificate ?? identity;
    serverKey = entry.serverCertificate ?? serverKey;
    secret = entry.privateKey ?? secret;
  }
  return {
    path,
    entries: [
      r(0, 'String', entry.serverUri),
      r(1, 'Boolean', false), // not the Bootstrap-Server account
      r(2, 'Integer', SECURITY_MODE[account.securityMode]),
      r(3, 'Opaque', identity),
      r(4, 'Opaque', serverKey),
      r(5, 'Opaque', secret),
      r(10, 'Integer', entry.shortServerId),
    ],
  };
}

/** The Server object instance (LwM2M 1.1 TS Core E.2): its mandatory writable resources. */
export function serverInstanceEntries(account: ServerAccount): { path: Lwm2mPath; entries: WriteEntry[] } {
  const { entry } = account;
  const path: Lwm2mPath = { objectId: 1, instanceId: entry.serverInstance };
  const r = (resourceId: number, type: WriteEntry['type'], value: unknown): WriteEntry => ({ path: { ...path, resourceId }, type, value });
  return {
    path,
    entries: [r(0, 'Integer', entry.shortServerId), r(1, 'Integer', entry.lifetime), r(6, 'Boolean', entry.notificationStoring), r(7, 'String', entry.binding)],
  };
}

/** One Bootstrap-Write payload of an object instance in `format`. */
export function encodeInstance(format: number, instance: { path: Lwm2mPath; entries: WriteEntry[] }): Buffer {
  return encodeWrite(format, instance.path, instance.entries);
}
