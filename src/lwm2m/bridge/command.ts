import { GatewayError } from '../../errors.js';
import type { WriteEntry } from '../content/types.js';
import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import { checkedPath, isJsonObject, pathField, Reject, writeEntry, type JsonObject } from './command-fields.js';
import { buildCompositeOperation, COMPOSITE_COMMAND_TYPES, COMPOSITE_REQ_PATH, isCompositeCommandType, type CompositeOperation } from './composite-command.js';

export { isJsonObject, type JsonObject } from './command-fields.js';

export const COMMAND_TYPES = [
  'read',
  'discover',
  'write',
  'write-attr',
  'execute',
  'create',
  'delete',
  'observe',
  'cancel-observe',
  ...COMPOSITE_COMMAND_TYPES,
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** A downlink LwM2M operation, transport-free (LwM2M 1.1 TS §6.3 / §6.4 operations). */
export type DownlinkOperation = SinglePathOperation | CompositeOperation;

/** An operation on one path. */
export type SinglePathOperation =
  | { readonly kind: 'read'; readonly path: Lwm2mPath }
  | { readonly kind: 'discover'; readonly path: Lwm2mPath }
  | { readonly kind: 'observe'; readonly path: Lwm2mPath; readonly cancel: boolean }
  | { readonly kind: 'delete'; readonly path: Lwm2mPath }
  | { readonly kind: 'write-attr'; readonly path: Lwm2mPath; readonly attributes: readonly string[] }
  | { readonly kind: 'execute'; readonly path: Lwm2mPath; readonly args: string }
  /** replace = PUT, partial update = POST (LwM2M 1.1 TS §6.3.3). */
  | { readonly kind: 'write'; readonly path: Lwm2mPath; readonly mode: 'replace' | 'update'; readonly entries: readonly WriteEntry[] }
  | { readonly kind: 'create'; readonly path: Lwm2mPath; readonly entries: readonly WriteEntry[] };

/** A validated command from the command topic. */
export interface Lwm2mCommand {
  readonly msgType: CommandType;
  /** The command's `data`, echoed in `ack` / `coap_timeout` / `coap_reset` answers. */
  readonly data: JsonObject;
  /** Every top-level key except msgType and data, echoed in every answer. */
  readonly echo: JsonObject;
  /** data.path, else data.basePath, verbatim with any `?query` removed; "/" for the composite commands. */
  readonly reqPath: string;
  readonly operation: DownlinkOperation;
  /** Uri-Query options from `path?k=v&...`. */
  readonly query: readonly string[];
  /** mheaders.ttl === 0: sent without waiting for the in-flight slot. */
  readonly immediate: boolean;
}

/** A command that cannot be carried out: answered with 4.00 and `reason`. */
export interface RejectedCommand {
  readonly msgType: string;
  readonly echo: JsonObject;
  readonly reqPath: string | undefined;
  readonly reason: string;
}

export type ParsedCommand = { readonly ok: true; readonly command: Lwm2mCommand } | { readonly ok: false; readonly rejected: RejectedCommand };

/**
 * Write-Attributes (LwM2M 1.1 TS §5.1.2; 1.1 adds epmin / epmax, 1.2 adds
 * edge, con, hqmax); whether the device's version allows one is checked
 * against the registration (version-gate.ts).
 */
export const ATTRIBUTES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax', 'edge', 'con', 'hqmax'] as const;
/** LwM2M 1.2 TS §5.1.2: edge and con are 0 or 1; hqmax a count. */
const FLAG_ATTRIBUTES: ReadonlySet<string> = new Set(['edge', 'con']);

/** Parses one command payload (EMQX downlink JSON contract). Never throws. */
export function parseCommand(payload: Buffer): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return reject('unknown', {}, undefined, 'payload is not JSON');
  }
  if (!isJsonObject(json)) return reject('unknown', {}, undefined, 'command is not a JSON object');
  const echo: JsonObject = {};
  for (const [k, v] of Object.entries(json)) if (k !== 'msgType' && k !== 'data') echo[k] = v;
  const msgType = typeof json.msgType === 'string' ? json.msgType : 'unknown';
  const data = json.data;
  const reqPath = isJsonObject(data) ? rawReqPath(data) : undefined;
  if (typeof json.msgType !== 'string') return reject(msgType, echo, reqPath, 'missing msgType');
  if (!(COMMAND_TYPES as readonly string[]).includes(msgType)) return reject(msgType, echo, reqPath, `unsupported msgType "${msgType}"`);
  if (!isJsonObject(data)) return reject(msgType, echo, reqPath, 'missing data object');
  const mheaders = json.mheaders;
  const immediate = isJsonObject(mheaders) && mheaders.ttl === 0;
  try {
    const hex = json.encoding === 'hex';
    const built: Built = isCompositeCommandType(msgType)
      ? { operation: buildCompositeOperation(msgType, data, hex), query: [] }
      : buildOperation(msgType as Exclude<CommandType, (typeof COMPOSITE_COMMAND_TYPES)[number]>, data, hex);
    const answerPath = isCompositeCommandType(msgType) ? COMPOSITE_REQ_PATH : (reqPath ?? '');
    return {
      ok: true,
      command: { msgType: msgType as CommandType, data, echo, reqPath: answerPath, operation: built.operation, query: built.query, immediate },
    };
  } catch (err) {
    if (err instanceof GatewayError) return reject(msgType, echo, reqPath, err.message);
    throw err;
  }
}

function reject(msgType: string, echo: JsonObject, reqPath: string | undefined, reason: string): ParsedCommand {
  return { ok: false, rejected: { msgType, echo, reqPath, reason } };
}

function rawReqPath(data: JsonObject): string | undefined {
  const raw = typeof data.path === 'string' ? data.path : typeof data.basePath === 'string' ? data.basePath : undefined;
  if (raw === undefined) return undefined;
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

interface Built {
  readonly operation: DownlinkOperation;
  readonly query: readonly string[];
}

function buildOperation(msgType: Exclude<CommandType, (typeof COMPOSITE_COMMAND_TYPES)[number]>, data: JsonObject, hex: boolean): Built {
  switch (msgType) {
    case 'read':
    case 'discover':
    case 'delete': {
      const { path, query } = pathField(data, 'path');
      return { operation: { kind: msgType, path }, query };
    }
    case 'observe':
    case 'cancel-observe': {
      const { path, query } = pathField(data, 'path');
      return { operation: { kind: 'observe', path, cancel: msgType === 'cancel-observe' }, query };
    }
    case 'execute': {
      const { path, query } = pathField(data, 'path');
      if (pathDepth(path) !== 3) throw new Reject(`execute needs a resource path, got "${formatPath(path)}"`);
      return { operation: { kind: 'execute', path, args: executeArgs(data.args) }, query };
    }
    case 'write-attr': {
      const { path, query } = pathField(data, 'path');
      return { operation: { kind: 'write-attr', path, attributes: attributes(data) }, query };
    }
    case 'write':
      return buildWrite(data, hex);
    case 'create': {
      const { path, query } = pathField(data, 'basePath');
      if (pathDepth(path) !== 1) throw new Reject(`create needs an object path such as "/5", got "${formatPath(path)}"`);
      const content = data.content ?? [];
      if (!Array.isArray(content)) throw new Reject('content must be a list');
      return { operation: { kind: 'create', path, entries: entries(path, content, hex) }, query };
    }
  }
}

function buildWrite(data: JsonObject, hex: boolean): Built {
  if (data.path !== undefined) {
    const { path, query } = pathField(data, 'path');
    if (pathDepth(path) < 3) throw new Reject(`single write needs a resource path, got "${formatPath(path)}"`);
    const entry = writeEntry(path, { type: data.type, value: data.value }, hex);
    return { operation: { kind: 'write', path, mode: 'replace', entries: [entry] }, query };
  }
  const { path, query } = pathField(data, 'basePath');
  const content = data.content;
  if (!Array.isArray(content) || content.length === 0) throw new Reject('batch write needs a non-empty content list');
  // EMQX: basePath with 2 segments -> partial update (POST), 3 or 4 -> replace (PUT).
  const depth = pathDepth(path);
  if (depth === 1) throw new Reject(`write needs an object instance or resource basePath, got "${formatPath(path)}"`);
  return { operation: { kind: 'write', path, mode: depth === 2 ? 'update' : 'replace', entries: entries(path, content, hex) }, query };
}

function entries(base: Lwm2mPath, content: readonly unknown[], hex: boolean): WriteEntry[] {
  // Duplicate paths: the last one wins (EMQX behaviour).
  const byPath = new Map<string, WriteEntry>();
  for (const item of content) {
    if (!isJsonObject(item)) throw new Reject('content items must be objects');
    const path = joinPath(base, item.path);
    byPath.set(formatPath(path), writeEntry(path, item, hex));
  }
  return [...byPath.values()];
}

function joinPath(base: Lwm2mPath, relative: unknown): Lwm2mPath {
  if (relative === undefined || relative === null || relative === '') return base;
  if (typeof relative !== 'string' && typeof relative !== 'number') throw new Reject('content path must be a string');
  const rel = String(relative).replace(/^\/+/, '');
  return checkedPath(`${formatPath(base)}/${rel}`);
}

function executeArgs(args: unknown): string {
  // EMQX: missing, null or "undefined" args mean an empty payload.
  if (args === undefined || args === null || args === 'undefined') return '';
  if (typeof args === 'string') return args;
  if (typeof args === 'number' || typeof args === 'boolean') return String(args);
  throw new Reject('args must be a string');
}

function attributes(data: JsonObject): string[] {
  const out: string[] = [];
  // LwM2M 1.0 TS §5.1.2 (pmin, pmax, gt, lt, st), 1.1 adds epmin, epmax, 1.2 edge, con, hqmax; other keys are ignored, null skipped.
  for (const name of ATTRIBUTES) {
    const v = data[name];
    if (v === undefined || v === null) continue;
    const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
    if (text === undefined || text === '' || !Number.isFinite(Number(text))) throw new Reject(`${name} must be a number`);
    if (FLAG_ATTRIBUTES.has(name) && text !== '0' && text !== '1') throw new Reject(`${name} must be 0 or 1`);
    if (name === 'hqmax' && !/^\d{1,9}$/.test(text)) throw new Reject('hqmax must be a non-negative integer');
    out.push(`${name}=${text}`);
  }
  return out;
}
