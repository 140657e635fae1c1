import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import { cborContainerHead, cborItem } from './cbor-primitives.js';
import { contentError } from './content-error.js';
import { contentFormatName } from './content-format-name.js';
import type { DecodedValue } from './decoded-value.js';
import type { ResourceLookup } from './resource-lookup.js';
import { decodeSenmlCbor, senmlCborFromRecords } from './senml-cbor.js';
import { decodeSenmlJson, senmlJsonFromRecords } from './senml-json.js';
import type { OutRecord, SenmlValueMember } from './senml-records.js';
import { ContentFormat, type ContentEntry, type JsonValue, type WriteEntry } from './types.js';
import { toTypedValue } from './write-value.js';

/**
 * SenML packs that address the root rather than one path: the payloads of
 * Read-Composite / Observe-Composite (FETCH), Write-Composite (iPATCH) and
 * Send (POST /dp), LwM2M 1.1 TS §6.3.8-§6.3.9, §6.4.4, §6.5.1, Transport
 * §6.4 / §6.5. Only SenML JSON (110) and SenML CBOR (112) carry them
 * (Transport §7.4.7, §7.4.8); every name is an absolute LwM2M path.
 */
export const COMPOSITE_FORMATS: readonly number[] = [ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR];

export function isCompositeFormat(format: number | undefined): boolean {
  return format !== undefined && COMPOSITE_FORMATS.includes(format);
}

function requireCompositeFormat(format: number | undefined, what: string): void {
  if (!isCompositeFormat(format)) throw contentError(`${what} must be SenML JSON (110) or SenML CBOR (112), got ${contentFormatName(format)}`);
}

/** SenML CBOR label of the name (RFC 8428 §6 Table 4). */
const CBOR_NAME = 0;

/**
 * The path list of a Read-Composite / Observe-Composite request: one record
 * per path carrying only its name (LwM2M 1.1 TS §6.3.8, Transport §7.4.7).
 */
export function encodeCompositePaths(format: number, paths: readonly Lwm2mPath[]): Buffer {
  requireCompositeFormat(format, 'a composite request');
  const names = paths.map(formatPath);
  if (format === ContentFormat.SENML_JSON) return Buffer.from(JSON.stringify(names.map((n) => ({ n }))), 'utf8');
  const parts: Buffer[] = [cborContainerHead(4, names.length)];
  for (const n of names) parts.push(cborContainerHead(5, 1), cborItem(CBOR_NAME), cborItem(n));
  return Buffer.concat(parts);
}

/**
 * The records of a Write-Composite (iPATCH, LwM2M 1.1 TS §6.3.9): one
 * record per resource or resource instance, each with its absolute name.
 * Values are typed as in a Write; the last of duplicate paths wins; a
 * resource may not be written both whole and per instance.
 */
export function encodeCompositeWrite(format: number, entries: readonly WriteEntry[]): Buffer {
  requireCompositeFormat(format, 'a composite write');
  const byPath = new Map<string, OutRecord>();
  for (const entry of entries) {
    const name = formatPath(entry.path);
    if (pathDepth(entry.path) < 3) throw contentError(`write-composite entry ${name} does not name a resource`);
    byPath.delete(name);
    byPath.set(name, { path: entry.path, n: name, value: toTypedValue(entry) });
  }
  for (const record of byPath.values()) {
    if (pathDepth(record.path) !== 4) continue;
    const parent = formatPath({ ...record.path, resourceInstanceId: undefined });
    if (byPath.has(parent)) throw contentError(`write-composite entries mix ${parent} and its instance ${formatPath(record.path)}`);
  }
  const records = [...byPath.values()];
  return format === ContentFormat.SENML_JSON ? senmlJsonFromRecords(records) : senmlCborFromRecords(records);
}

/**
 * A composite answer, notification or Send payload -> `{path, value}`
 * entries with absolute paths, each value checked against its resource
 * model where one is loaded (see checkValueType). A record with a time
 * (bt / t, e.g. values a device stored while offline) also gets `time`,
 * seconds since the Unix epoch. Throws GW_ERR_CONTENT.
 */
export function decodeCompositeContent(format: number | undefined, payload: Buffer, lookup: ResourceLookup, now: number = Date.now()): ContentEntry[] {
  requireCompositeFormat(format, 'composite content');
  const values: DecodedValue[] = format === ContentFormat.SENML_JSON ? decodeSenmlJson(payload, undefined) : decodeSenmlCbor(payload, undefined);
  return values.map((v) => {
    const path = formatPath(v.path);
    checkValueType(v, lookup);
    return v.time === undefined ? { path, value: v.value } : { path, value: v.value, time: absoluteTime(v.time, now) };
  });
}

/** RFC 8428 §4.5.3: times below 2^28 are relative to "now" (0 = now, negative = in the past). */
const RELATIVE_TIME_LIMIT = 2 ** 28;

/** A SenML time as seconds since the Unix epoch (a relative one resolved against the gateway's clock). */
function absoluteTime(time: number, now: number): number {
  return time >= RELATIVE_TIME_LIMIT ? time : now / 1000 + time;
}

/**
 * SenML values carry their own kind (v, vs, vb, vd, vlo); the object model
 * says which kind a resource must have (LwM2M 1.1 Transport §7.4.7 table
 * "SenML / LwM2M data types"). A value of the wrong kind is an error, as
 * Leshan's decoder treats it. Resources without a model pass as sent.
 */
function checkValueType(v: DecodedValue, lookup: ResourceLookup): void {
  if (v.value === null || v.path.resourceId === undefined) return;
  const model = lookup(v.path.objectId, v.path.resourceId);
  if (model === undefined) return;
  const expected = expectedKind(model.type);
  if (expected === undefined) return;
  const actual = kindOf(v.value);
  const where = formatPath(v.path);
  if (actual !== expected.kind) throw contentError(`value of ${where} must be ${expected.what} (${model.type}), got ${JSON.stringify(v.value)}`);
  // Transport §7.4.7 Table 7.4.7-2: Opaque travels in vd, Objlnk in vlo, String and Corelnk in vs. A string
  // in the wrong member would be published as something it is not (e.g. plain text where base64 is expected).
  const member = SENML_MEMBER[model.type];
  if (member !== undefined && v.member !== undefined && v.member !== member) {
    throw contentError(`value of ${where} must be in "${member}" (${model.type}), got "${v.member}"`);
  }
  if (model.type === 'Objlnk' && !isObjectLink(v.value as string))
    throw contentError(`value of ${where} must be an object link "oid:iid", got ${JSON.stringify(v.value)}`);
  if (expected.integer && !Number.isInteger(v.value)) throw contentError(`value of ${where} must be an integer (${model.type}), got ${String(v.value)}`);
  if (model.type === 'Unsigned Integer' && (v.value as number) < 0) throw contentError(`value of ${where} must not be negative (Unsigned Integer)`);
}

/** The SenML member each string-valued LwM2M type must use (LwM2M 1.1 Transport §7.4.7). */
const SENML_MEMBER: Readonly<Record<string, SenmlValueMember>> = { String: 'vs', Corelnk: 'vs', Opaque: 'vd', Objlnk: 'vlo' };

/** LwM2M 1.1 TS §7.4.7: an object link is "oid:iid", both 16-bit unsigned integers (65535:65535 = none). */
function isObjectLink(value: string): boolean {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(value);
  return m !== null && Number(m[1]) <= 0xffff && Number(m[2]) <= 0xffff;
}

type Kind = 'number' | 'string' | 'boolean';

function kindOf(value: Exclude<JsonValue, null>): Kind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}

function expectedKind(type: string): { kind: Kind; what: string; integer: boolean } | undefined {
  switch (type) {
    case 'Integer':
    case 'Unsigned Integer':
    case 'Time':
      return { kind: 'number', what: 'a number', integer: true };
    case 'Float':
      return { kind: 'number', what: 'a number', integer: false };
    case 'Boolean':
      return { kind: 'boolean', what: 'a boolean', integer: false };
    case 'String':
    case 'Corelnk':
    case 'Opaque':
    case 'Objlnk':
      return { kind: 'string', what: 'a string', integer: false };
    default:
      return undefined;
  }
}
