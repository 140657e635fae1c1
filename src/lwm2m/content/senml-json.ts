import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { jsonMember, jsonValueMember, parseJsonPayload, type JsonValueKeys } from './json-records.js';
import {
  isRecordObject,
  outRecords,
  resolveNamedRecords,
  senmlMustUnderstand,
  type NamedRecord,
  type OutRecord,
  type SenmlValueMember,
} from './senml-records.js';
import type { JsonValue } from './types.js';
import { parseBase64, type TypedEntry } from './write-value.js';

/**
 * SenML JSON (110, RFC 8428, LwM2M 1.1 TS §7.4.7): an array of records with
 * bn / bt / n / v / vs / vb / vd (base64url Opaque) / vlo (object link).
 * Values are self-typed; Opaque comes out as standard base64 like TLV.
 */
export function decodeSenmlJson(payload: Buffer, reqPath: Lwm2mPath | undefined): DecodedValue[] {
  return resolveNamedRecords(parseSenmlJsonRecords(payload), reqPath, 'SenML JSON', true);
}

/** The records of a SenML JSON pack, names not yet resolved. */
export function parseSenmlJsonRecords(payload: Buffer): NamedRecord[] {
  const doc = parseJsonPayload(payload, 'SenML JSON');
  if (!Array.isArray(doc)) throw contentError('SenML JSON: payload is not an array of records');
  return doc.map((r, i) => senmlJsonRecord(r, i));
}

function senmlJsonRecord(raw: unknown, index: number): NamedRecord {
  if (!isRecordObject(raw)) throw contentError(`SenML JSON record ${index} is not an object`);
  const where = `SenML JSON record ${index}`;
  senmlMustUnderstand(Object.keys(raw), raw['bver'], where);
  const bn = jsonMember(raw, 'bn', 'string', where);
  const bt = jsonMember(raw, 'bt', 'number', where);
  const t = jsonMember(raw, 't', 'number', where);
  const n = jsonMember(raw, 'n', 'string', where);
  const bv = jsonMember(raw, 'bv', 'number', where);
  const { value, member } = senmlValue(raw, where);
  return { bn, n, value, bt, t, bv, member };
}

function senmlValue(raw: Record<string, unknown>, where: string): { value: JsonValue | undefined; member: SenmlValueMember | undefined } {
  const v = jsonMember(raw, 'v', 'number', where);
  if (v !== undefined) return { value: v, member: 'v' };
  const vs = jsonMember(raw, 'vs', 'string', where);
  if (vs !== undefined) return { value: vs, member: 'vs' };
  const vb = jsonMember(raw, 'vb', 'boolean', where);
  if (vb !== undefined) return { value: vb, member: 'vb' };
  const vd = jsonMember(raw, 'vd', 'string', where);
  if (vd !== undefined) {
    const bytes = parseBase64(vd);
    if (bytes === undefined) throw contentError(`${where}: "vd" is not base64url`);
    return { value: bytes.toString('base64'), member: 'vd' };
  }
  const vlo = jsonMember(raw, 'vlo', 'string', where);
  return { value: vlo, member: vlo === undefined ? undefined : 'vlo' };
}

/** RFC 8428 §5 value members; LwM2M 1.1 TS §7.4.7 adds "vlo" for object links. */
const SENML_JSON_KEYS: JsonValueKeys = { number: 'v', string: 'vs', boolean: 'vb', opaque: 'vd', objlnk: 'vlo', opaqueEncoding: 'base64url' };

export function encodeSenmlJson(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  return senmlJsonFromRecords(outRecords(basePath, entries));
}

/** Named, typed records -> SenML JSON pack. */
export function senmlJsonFromRecords(out: readonly OutRecord[]): Buffer {
  const records = out.map((r) => {
    const out: Record<string, string | number | boolean> = {};
    if (r.bn !== undefined) out['bn'] = r.bn;
    if (r.n !== undefined) out['n'] = r.n;
    const [key, value] = jsonValueMember(r.value, r.path, SENML_JSON_KEYS);
    out[key] = value;
    return out;
  });
  return Buffer.from(JSON.stringify(records), 'utf8');
}
