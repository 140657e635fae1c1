import { formatPath, parsePath, pathDepth, type Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import type { JsonValue } from './types.js';
import { relativeName } from './write-entries.js';
import type { TypedEntry, TypedValue } from './write-value.js';

/**
 * One SenML (RFC 8428) or LwM2M JSON record after format parsing: base name
 * and name as given, value already in JSON shape (opaque as base64, object
 * link as "oid:iid"), undefined when the record carries none.
 */
export interface NamedRecord {
  readonly bn?: string | undefined;
  readonly n?: string | undefined;
  readonly value: JsonValue | undefined;
  /** SenML base time and time (RFC 8428 §4.5.3), seconds, as given. */
  readonly bt?: number | undefined;
  readonly t?: number | undefined;
  /** SenML base value (RFC 8428 §4.1): added to the numeric value (v) of this and later records. */
  readonly bv?: number | undefined;
  /** SenML records only: the member the value came in (RFC 8428 §5, LwM2M 1.1 Transport §7.4.7 "vlo"). */
  readonly member?: SenmlValueMember | undefined;
}

/** The SenML value members: number, string, boolean, data (Opaque), object link. */
export type SenmlValueMember = 'v' | 'vs' | 'vb' | 'vd' | 'vlo';

/**
 * Resolves names to paths. SenML: a `bn` applies to its record and every
 * later one until the next `bn` (RFC 8428 §4.5.1); name = bn + n, and a
 * record without `n` names bn itself. Without any bn a relative name is
 * taken relative to the request path; with no request path (Send and the
 * Composite operations, which address the root) every name must be
 * absolute. Records without a value -> null.
 */
export function resolveNamedRecords(records: readonly NamedRecord[], reqPath: Lwm2mPath | undefined, what: string, inheritBaseName: boolean): DecodedValue[] {
  let baseName: string | undefined;
  let baseTime: number | undefined;
  let baseValue: number | undefined;
  return records.map((record, index) => {
    if (record.bn !== undefined || !inheritBaseName) baseName = record.bn;
    if (record.bt !== undefined || !inheritBaseName) baseTime = record.bt;
    if (record.bv !== undefined || !inheritBaseName) baseValue = record.bv;
    const n = record.n ?? '';
    let name: string;
    if (baseName === undefined) {
      if (reqPath === undefined && !n.startsWith('/')) throw contentError(`${what} record ${index}: name "${n}" is not an absolute LwM2M path`);
      name = reqPath === undefined || n.startsWith('/') ? n : n === '' ? formatPath(reqPath) : `${formatPath(reqPath)}/${n}`;
    } else {
      name = baseName + n;
    }
    let path: Lwm2mPath;
    try {
      path = parsePath(name);
    } catch (err) {
      throw contentError(`${what} record ${index}: name "${name}" is not an LwM2M path`, err);
    }
    if (pathDepth(path) < 3) throw contentError(`${what} record ${index}: name "${name}" does not name a resource`);
    // RFC 8428 §4.1 (Base Value): value = base value + value, for numeric values.
    const value = record.value === undefined ? null : baseValue !== undefined && typeof record.value === 'number' ? baseValue + record.value : record.value;
    const member = record.member === undefined ? {} : { member: record.member };
    // RFC 8428 §4.5.3: the record's time is base time + time; none given, none reported.
    if (record.t === undefined && baseTime === undefined) return { path, value, ...member };
    return { path, value, time: (baseTime ?? 0) + (record.t ?? 0), ...member };
  });
}

export interface OutRecord {
  readonly path: Lwm2mPath;
  readonly bn?: string;
  readonly n?: string;
  readonly value: TypedValue;
}

/**
 * Names for an outgoing write: one record naming basePath itself when the
 * single entry is basePath, else `bn` = basePath + "/" on the first record
 * and `n` relative to it (LwM2M 1.1 TS §7.4.7 examples).
 */
export function outRecords(basePath: Lwm2mPath, entries: readonly TypedEntry[]): OutRecord[] {
  const base = formatPath(basePath);
  const only = entries[0];
  if (entries.length === 1 && only !== undefined && formatPath(only.path) === base) return [{ path: only.path, bn: base, value: only.value }];
  return entries.map((e, i) => {
    const n = relativeName(e.path, basePath);
    return i === 0 ? { path: e.path, bn: `${base}/`, n, value: e.value } : { path: e.path, n, value: e.value };
  });
}

/** The SenML version this decoder implements (RFC 8428 §4.4: bver defaults to 10). */
const SENML_VERSION = 10;

/**
 * RFC 8428 §4.4 / §12.2: a Pack with a label ending in "_" the reader does not understand (none is
 * defined yet), or a Base Version above the one it implements, MUST NOT be used; `where` names the record.
 */
export function senmlMustUnderstand(labels: Iterable<unknown>, bver: unknown, where: string): void {
  for (const label of labels) {
    if (typeof label === 'string' && label.endsWith('_')) throw contentError(`${where}: must-understand label "${label}" is not supported (RFC 8428 §4.4)`);
  }
  if (bver === undefined) return;
  if (typeof bver !== 'number' || !Number.isInteger(bver) || bver < 1) throw contentError(`${where}: bver must be a positive integer`);
  if (bver > SENML_VERSION) throw contentError(`${where}: SenML version ${bver} is above ${SENML_VERSION} (RFC 8428 §4.4)`);
}

export function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
