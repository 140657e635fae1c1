import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { isRecordObject, outRecords, resolveNamedRecords, type NamedRecord } from './senml-records.js';
import type { JsonValue } from './types.js';
import { safeNumber, type TypedEntry } from './write-value.js';

/**
 * LwM2M JSON (11543, LwM2M 1.0 TS §6.4.4): `{bn, bt, e: [{n, v | sv | bv | ov, t}]}`.
 * Path = bn + n (n missing -> bn). Unlike EMQX, `t` is a time stamp and
 * never taken as the value; records without a value decode to null.
 */
export function decodeLwm2mJson(payload: Buffer, reqPath: Lwm2mPath): DecodedValue[] {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw contentError(`LwM2M JSON: not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (!isRecordObject(doc)) throw contentError('LwM2M JSON: payload is not an object');
  const { bn, bt, e } = doc;
  if (bn !== undefined && typeof bn !== 'string') throw contentError('LwM2M JSON: "bn" must be a string');
  if (bt !== undefined && typeof bt !== 'number') throw contentError('LwM2M JSON: "bt" must be a number');
  if (!Array.isArray(e)) throw contentError('LwM2M JSON: "e" must be an array of records');
  const records = e.map((raw, index): NamedRecord => {
    if (!isRecordObject(raw)) throw contentError(`LwM2M JSON record ${index} is not an object`);
    const n = raw['n'];
    if (n !== undefined && typeof n !== 'string') throw contentError(`LwM2M JSON record ${index}: "n" must be a string`);
    return { bn, n, value: recordValue(raw, index) };
  });
  return resolveNamedRecords(records, reqPath, 'LwM2M JSON', false);
}

const VALUE_FIELDS = [
  ['v', 'number'],
  ['sv', 'string'],
  ['bv', 'boolean'],
  ['ov', 'string'],
] as const;

function recordValue(raw: Record<string, unknown>, index: number): JsonValue | undefined {
  const t = raw['t'];
  if (t !== undefined && typeof t !== 'number') throw contentError(`LwM2M JSON record ${index}: "t" must be a number`);
  for (const [key, type] of VALUE_FIELDS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
      throw contentError(`LwM2M JSON record ${index}: "${key}" must be a ${type}`);
    }
    return value as JsonValue;
  }
  return undefined;
}

type JsonRecordOut = { n?: string; v?: number; sv?: string; bv?: boolean; ov?: string };

/** Opaque travels as base64 in `sv` (LwM2M 1.0 TS §6.4.4 Table 21). */
export function encodeLwm2mJson(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  const records = outRecords(basePath, entries);
  const bn = records[0]?.bn;
  const e = records.map((r): JsonRecordOut => {
    const out: JsonRecordOut = {};
    if (r.n !== undefined) out.n = r.n;
    const value = r.value;
    switch (value.type) {
      case 'Integer':
      case 'Time':
      case 'Unsigned Integer':
        out.v = safeNumber(value.value, r.path);
        break;
      case 'Float':
        out.v = value.value;
        break;
      case 'String':
      case 'Corelnk':
        out.sv = value.value;
        break;
      case 'Boolean':
        out.bv = value.value;
        break;
      case 'Opaque':
        out.sv = value.value.toString('base64');
        break;
      case 'Objlnk':
        out.ov = `${value.objectId}:${value.instanceId}`;
        break;
    }
    return out;
  });
  return Buffer.from(JSON.stringify(bn === undefined ? { e } : { bn, e }), 'utf8');
}
