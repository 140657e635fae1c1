import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { isRecordObject, outRecords, resolveNamedRecords, type NamedRecord } from './senml-records.js';
import type { JsonValue } from './types.js';
import { parseBase64, safeNumber, type TypedEntry } from './write-value.js';

/**
 * SenML JSON (110, RFC 8428, LwM2M 1.1 TS §7.4.7): an array of records with
 * bn / bt / n / v / vs / vb / vd (base64url Opaque) / vlo (object link).
 * Values are self-typed; Opaque comes out as standard base64 like TLV.
 */
export function decodeSenmlJson(payload: Buffer, reqPath: Lwm2mPath): DecodedValue[] {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw contentError(`SenML JSON: not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (!Array.isArray(doc)) throw contentError('SenML JSON: payload is not an array of records');
  return resolveNamedRecords(doc.map((r, i) => senmlJsonRecord(r, i)), reqPath, 'SenML JSON', true);
}

function field<T>(record: Record<string, unknown>, key: string, type: 'string' | 'number' | 'boolean', index: number): T | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value as number))) {
    throw contentError(`SenML JSON record ${index}: "${key}" must be a ${type}`);
  }
  return value as T;
}

function senmlJsonRecord(raw: unknown, index: number): NamedRecord {
  if (!isRecordObject(raw)) throw contentError(`SenML JSON record ${index} is not an object`);
  const bn = field<string>(raw, 'bn', 'string', index);
  field<number>(raw, 'bt', 'number', index);
  const n = field<string>(raw, 'n', 'string', index);
  return { bn, n, value: senmlValue(raw, index) };
}

function senmlValue(raw: Record<string, unknown>, index: number): JsonValue | undefined {
  const v = field<number>(raw, 'v', 'number', index);
  if (v !== undefined) return v;
  const vs = field<string>(raw, 'vs', 'string', index);
  if (vs !== undefined) return vs;
  const vb = field<boolean>(raw, 'vb', 'boolean', index);
  if (vb !== undefined) return vb;
  const vd = field<string>(raw, 'vd', 'string', index);
  if (vd !== undefined) {
    const bytes = parseBase64(vd);
    if (bytes === undefined) throw contentError(`SenML JSON record ${index}: "vd" is not base64url`);
    return bytes.toString('base64');
  }
  return field<string>(raw, 'vlo', 'string', index);
}

type SenmlJsonOut = { bn?: string; n?: string; v?: number; vs?: string; vb?: boolean; vd?: string; vlo?: string };

export function encodeSenmlJson(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  const records = outRecords(basePath, entries).map((r): SenmlJsonOut => {
    const out: SenmlJsonOut = {};
    if (r.bn !== undefined) out.bn = r.bn;
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
        out.vs = value.value;
        break;
      case 'Boolean':
        out.vb = value.value;
        break;
      case 'Opaque':
        out.vd = value.value.toString('base64url');
        break;
      case 'Objlnk':
        out.vlo = `${value.objectId}:${value.instanceId}`;
        break;
    }
    return out;
  });
  return Buffer.from(JSON.stringify(records), 'utf8');
}
