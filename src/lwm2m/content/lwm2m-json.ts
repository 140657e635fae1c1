import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { jsonMember, jsonValueMember, parseJsonPayload, type JsonValueKeys } from './json-records.js';
import { isRecordObject, outRecords, resolveNamedRecords, type NamedRecord } from './senml-records.js';
import type { JsonValue } from './types.js';
import type { TypedEntry } from './write-value.js';

/**
 * LwM2M JSON (11543, LwM2M 1.0 TS §6.4.4): `{bn, bt, e: [{n, v | sv | bv | ov, t}]}`.
 * Path = bn + n (n missing -> bn). Unlike EMQX, `t` is a time stamp and
 * never taken as the value; records without a value decode to null.
 */
export function decodeLwm2mJson(payload: Buffer, reqPath: Lwm2mPath): DecodedValue[] {
  const doc = parseJsonPayload(payload, 'LwM2M JSON');
  if (!isRecordObject(doc)) throw contentError('LwM2M JSON: payload is not an object');
  const bn = jsonMember(doc, 'bn', 'string', 'LwM2M JSON');
  const { bt, e } = doc;
  if (bt !== undefined && typeof bt !== 'number') throw contentError('LwM2M JSON: "bt" must be a number');
  if (!Array.isArray(e)) throw contentError('LwM2M JSON: "e" must be an array of records');
  const records = e.map((raw, index): NamedRecord => {
    if (!isRecordObject(raw)) throw contentError(`LwM2M JSON record ${index} is not an object`);
    const n = jsonMember(raw, 'n', 'string', `LwM2M JSON record ${index}`);
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
  const where = `LwM2M JSON record ${index}`;
  const t = raw['t'];
  if (t !== undefined && typeof t !== 'number') throw contentError(`${where}: "t" must be a number`);
  for (const [key, type] of VALUE_FIELDS) {
    const value = jsonMember(raw, key, type, where);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Opaque travels as base64 in `sv` (LwM2M 1.0 TS §6.4.4 Table 21). */
const LWM2M_JSON_KEYS: JsonValueKeys = { number: 'v', string: 'sv', boolean: 'bv', opaque: 'sv', objlnk: 'ov', opaqueEncoding: 'base64' };

export function encodeLwm2mJson(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  const records = outRecords(basePath, entries);
  const bn = records[0]?.bn;
  const e = records.map((r) => {
    const [key, value] = jsonValueMember(r.value, r.path, LWM2M_JSON_KEYS);
    return r.n === undefined ? { [key]: value } : { n: r.n, [key]: value };
  });
  return Buffer.from(JSON.stringify(bn === undefined ? { e } : { bn, e }), 'utf8');
}
