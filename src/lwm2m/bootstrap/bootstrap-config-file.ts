import { dirname } from 'node:path';
import { readConfigFile } from '../../config/load.js';
import { ConfigError, type ConfigProblem } from '../../errors.js';
import { checkDeviceSuppliedName } from '../../topics/topic-rules.js';
import { BootstrapEntries, SECURITY_MODE, WILDCARD, type BootstrapEntry, type SecurityModeName } from './bootstrap-entry.js';
import { parsePskKey, readCertificate, readPrivateKey } from './key-material.js';

/** Shown instead of a secret in error lines. */
const HIDDEN = '(hidden)';
/** LwM2M 1.1 TS Core E.1: Server URI (/0/x/0) is at most 255 bytes. */
const MAX_URI_BYTES = 255;
/** RFC 4279 §5.1 allows identities up to 2^16-1 bytes; DTLS stacks commonly cap them, so do we. */
const MAX_IDENTITY_BYTES = 128;
/** LwM2M 1.1 TS Core E.2: Short Server ID 1..65534 (65535 is reserved in 1.1). */
const MAX_SSID = 65_534;
/** Bindings of LwM2M 1.0 (U, UQ, S, SQ, US, UQS) and the 1.1 letters U, T, S, N (queue mode is the Q flag). */
const BINDING = /^(?!.*(.).*\1)[UTSNQ]+$/;
const DELETE_PATH = /^\/(\d{1,5}(\/\d{1,5})?)?$/;

const ENTRY_KEYS = [
  'server_uri',
  'security_mode',
  'psk_identity',
  'psk_key',
  'certificate',
  'private_key',
  'server_certificate',
  'short_server_id',
  'lifetime',
  'binding',
  'notification_storing',
  'delete',
  'discover',
  'security_instance',
  'server_instance',
] as const;

type RawEntry = Record<string, unknown>;

/**
 * Reads and validates the bootstrap configuration file
 * (`lwm2m.bootstrap.config_file`). Throws one ConfigError listing every
 * problem, each naming its key inside the file (`endpoints.dev1.psk_key`).
 */
export async function loadBootstrapConfigFile(file: string): Promise<BootstrapEntries> {
  const raw = await readConfigFile(file);
  const source = `${file} (lwm2m.bootstrap.config_file)`;
  const problems: ConfigProblem[] = [];
  const entries = await parseBootstrapConfig(raw, dirname(file), problems);
  if (problems.length > 0) throw new ConfigError(problems, source);
  return new BootstrapEntries(entries);
}

/**
 * Validates the parsed document `{ "endpoints": { "<ep>" | "*": {...} } }`;
 * certificate paths are resolved against `baseDir`. Problems are appended.
 */
export async function parseBootstrapConfig(raw: unknown, baseDir: string, problems: ConfigProblem[]): Promise<BootstrapEntry[]> {
  const add = (key: string, value: unknown, reason: string): void => {
    problems.push({ key, value, reason });
  };
  if (!isObject(raw)) {
    add('(document)', raw, 'must be an object with an "endpoints" object');
    return [];
  }
  for (const key of Object.keys(raw)) if (key !== 'endpoints') add(key, raw[key], 'unknown key; the document has only "endpoints"');
  const endpoints = raw['endpoints'];
  if (!isObject(endpoints) || Object.keys(endpoints).length === 0) {
    add('endpoints', endpoints, 'must be an object with at least one entry: endpoint name (or "*") -> configuration');
    return [];
  }
  const entries: BootstrapEntry[] = [];
  const identities = new Map<string, string>();
  for (const [name, value] of Object.entries(endpoints)) {
    const prefix = `endpoints.${name}`;
    // The name is matched against a device's `ep`, which must be usable as a topic level.
    const badName = name === WILDCARD ? undefined : checkDeviceSuppliedName(name);
    if (badName !== undefined) add(prefix, name, `endpoint name ${badName}`);
    if (!isObject(value)) {
      add(prefix, value, 'must be an object');
      continue;
    }
    const entry = await parseEntry(name, value, prefix, baseDir, add);
    if (entry === undefined || badName !== undefined) continue;
    if (entry.securityMode === 'psk') {
      const identity = entry.pskIdentity ?? name;
      const first = identities.get(identity);
      if (first !== undefined) add(`${prefix}.psk_identity`, identity, `same PSK identity as ${first}; an identity names one device`);
      else identities.set(identity, prefix);
    }
    entries.push(entry);
  }
  return entries;
}

async function parseEntry(
  name: string,
  raw: RawEntry,
  prefix: string,
  baseDir: string,
  add: (key: string, value: unknown, reason: string) => void,
): Promise<BootstrapEntry | undefined> {
  let problemCount = 0;
  const problem = (key: string, value: unknown, reason: string): void => {
    problemCount += 1;
    add(`${prefix}.${key}`, value, reason);
  };
  for (const key of Object.keys(raw)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) problem(key, raw[key], `unknown key; expected one of ${ENTRY_KEYS.join(', ')}`);
  }
  const wildcard = name === WILDCARD;
  const mode = raw['security_mode'];
  if (mode !== 'psk' && mode !== 'nosec' && mode !== 'x509') {
    problem('security_mode', mode, 'required: "psk", "nosec" or "x509"');
  }
  const securityMode = (typeof mode === 'string' && mode in SECURITY_MODE ? mode : 'nosec') as SecurityModeName;
  const serverUri = checkServerUri(raw['server_uri'], securityMode, (v, r) => problem('server_uri', v, r));

  // psk
  let pskIdentity: string | undefined;
  let pskKey: Buffer | undefined;
  if (raw['psk_identity'] !== undefined) {
    const v = raw['psk_identity'];
    if (securityMode !== 'psk') problem('psk_identity', v, 'only with security_mode "psk"');
    else if (wildcard) problem('psk_identity', v, 'not allowed in the "*" entry (every device would share it); omit it and each device gets its endpoint name');
    else if (typeof v !== 'string' || v === '' || Buffer.byteLength(v) > MAX_IDENTITY_BYTES)
      problem('psk_identity', v, `must be a string of 1..${MAX_IDENTITY_BYTES} bytes`);
    else pskIdentity = v;
  }
  if (raw['psk_key'] !== undefined) {
    const v = raw['psk_key'];
    if (securityMode !== 'psk') problem('psk_key', HIDDEN, 'only with security_mode "psk"');
    else if (wildcard) problem('psk_key', HIDDEN, 'not allowed in the "*" entry (every device would share it); omit it and each device gets a random key');
    else {
      const key = parsePskKey(v);
      if (typeof key === 'string') problem('psk_key', HIDDEN, key);
      else pskKey = key;
    }
  }

  // x509
  const certificatePaths = { certificate: raw['certificate'], private_key: raw['private_key'], server_certificate: raw['server_certificate'] };
  let certificate: Buffer | undefined;
  let privateKey: Buffer | undefined;
  let serverCertificate: Buffer | undefined;
  if (securityMode === 'x509') {
    if (wildcard) problem('security_mode', mode, 'x509 is not allowed in the "*" entry (every device would share one private key)');
    else {
      certificate = await readCertificate(certificatePaths.certificate, baseDir, (v, r) => problem('certificate', v, r));
      privateKey = await readPrivateKey(certificatePaths.private_key, baseDir, (v, r) => problem('private_key', v, r));
      serverCertificate = await readCertificate(certificatePaths.server_certificate, baseDir, (v, r) => problem('server_certificate', v, r));
    }
  } else {
    for (const [key, value] of Object.entries(certificatePaths)) if (value !== undefined) problem(key, value, 'only with security_mode "x509"');
  }

  const shortServerId = integer(raw['short_server_id'], 1, 1, MAX_SSID, (v, r) => problem('short_server_id', v, r));
  const lifetime = integer(raw['lifetime'], 300, 1, 2_147_483_647, (v, r) => problem('lifetime', v, r));
  const binding = raw['binding'] ?? 'U';
  if (typeof binding !== 'string' || !BINDING.test(binding) || !/[UTSN]/.test(binding)) {
    problem('binding', binding, 'expected a binding such as "U", "UQ", "US", "T" (letters U, T, S, N, Q, each at most once)');
  }
  const notificationStoring = raw['notification_storing'] ?? true;
  if (typeof notificationStoring !== 'boolean') problem('notification_storing', notificationStoring, 'must be true or false');
  const discover = raw['discover'] ?? false;
  if (typeof discover !== 'boolean') problem('discover', discover, 'must be true or false');
  const deletePaths = raw['delete'] ?? ['/0', '/1'];
  if (!Array.isArray(deletePaths) || deletePaths.some((p) => typeof p !== 'string' || !DELETE_PATH.test(p) || p.split('/').some((s) => Number(s) > 65_535))) {
    problem('delete', deletePaths, 'must be a list of paths "/", "/<object>" or "/<object>/<instance>" ([] deletes nothing)');
  }
  const securityInstance = integer(raw['security_instance'], 1, 0, 65_534, (v, r) => problem('security_instance', v, r));
  const serverInstance = integer(raw['server_instance'], 0, 0, 65_534, (v, r) => problem('server_instance', v, r));
  if (problemCount > 0 || serverUri === undefined) return undefined;
  return {
    name,
    serverUri,
    securityMode,
    pskIdentity,
    pskKey,
    certificate,
    privateKey,
    serverCertificate,
    shortServerId,
    lifetime,
    binding: binding as string,
    notificationStoring: notificationStoring as boolean,
    delete: deletePaths as string[],
    discover: discover as boolean,
    securityInstance,
    serverInstance,
  };
}

/** `coap://host:port` for nosec, `coaps://host:port` for psk and x509 (LwM2M 1.1 TS Core E.1, /0/x/0). */
function checkServerUri(value: unknown, mode: SecurityModeName, problem: (value: unknown, reason: string) => void): string | undefined {
  const scheme = mode === 'nosec' ? 'coap' : 'coaps';
  const expected = `required: "${scheme}://host:port" (security_mode ${mode})`;
  if (typeof value !== 'string') {
    problem(value, expected);
    return undefined;
  }
  if (Buffer.byteLength(value) > MAX_URI_BYTES) {
    problem(value, `longer than ${MAX_URI_BYTES} bytes`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problem(value, `not a URI; ${expected}`);
    return undefined;
  }
  if (url.protocol !== `${scheme}:` || url.hostname === '' || url.username !== '' || url.search !== '' || url.hash !== '') {
    problem(value, expected);
    return undefined;
  }
  return value;
}

function integer(value: unknown, def: number, min: number, max: number, problem: (value: unknown, reason: string) => void): number {
  if (value === undefined) return def;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problem(value, `must be an integer from ${min} to ${max}`);
    return def;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
