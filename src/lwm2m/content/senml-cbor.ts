import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import { cborContainerHead, cborDouble, cborItem, decodeCbor } from './cbor-primitives.js';
import { cborToJson } from './cbor.js';
import type { DecodedValue } from './decoded-value.js';
import { outRecords, resolveNamedRecords, senmlMustUnderstand, type NamedRecord, type OutRecord, type SenmlValueMember } from './senml-records.js';
import type { JsonValue } from './types.js';
import type { TypedEntry } from './write-value.js';

/** SenML CBOR labels (RFC 8428 §6 Table 4); LwM2M 1.1 TS §7.4.8 adds the text label "vlo". */
const LABEL = { bver: -1, bn: -2, bt: -3, bv: -5, n: 0, v: 2, vs: 3, vb: 4, t: 6, vd: 8, vlo: 'vlo' } as const;

/** SenML CBOR (112): the same records as SenML JSON with integer labels and vd as a byte string. */
export function decodeSenmlCbor(payload: Buffer, reqPath: Lwm2mPath | undefined): DecodedValue[] {
  return resolveNamedRecords(parseSenmlCborRecords(payload), reqPath, 'SenML CBOR', true);
}

/** The records of a SenML CBOR pack, names not yet resolved. */
export function parseSenmlCborRecords(payload: Buffer): NamedRecord[] {
  const doc = decodeCbor(payload, 'SenML CBOR');
  if (!Array.isArray(doc)) throw contentError('SenML CBOR: payload is not an array of records');
  return doc.map((r, i) => senmlCborRecord(r, i));
}

function senmlCborRecord(raw: unknown, index: number): NamedRecord {
  if (!(raw instanceof Map)) throw contentError(`SenML CBOR record ${index} is not a map`);
  // RFC 8428 §6: bver is label -1; a bigint bver is far above any version.
  const bver: unknown = raw.get(LABEL.bver);
  senmlMustUnderstand(raw.keys(), typeof bver === 'bigint' ? Number.MAX_SAFE_INTEGER : bver, `SenML CBOR record ${index}`);
  const text = (label: number): string | undefined => {
    const value: unknown = raw.get(label);
    if (value !== undefined && typeof value !== 'string') throw contentError(`SenML CBOR record ${index}: label ${label} must be a text string`);
    return value;
  };
  const time = (label: number, name: string): number | undefined => {
    const value: unknown = raw.get(label);
    if (value === undefined) return undefined;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw contentError(`SenML CBOR record ${index}: ${name} must be a number`);
    return value;
  };
  const { value, member } = senmlCborValue(raw, index);
  return { bn: text(LABEL.bn), n: text(LABEL.n), value, bt: time(LABEL.bt, 'bt'), t: time(LABEL.t, 't'), bv: time(LABEL.bv, 'bv'), member };
}

function senmlCborValue(raw: Map<unknown, unknown>, index: number): { value: JsonValue | undefined; member: SenmlValueMember | undefined } {
  const where = `SenML CBOR record ${index}`;
  const checks: [SenmlValueMember, (v: unknown) => boolean, string][] = [
    ['v', (v) => typeof v === 'number' || typeof v === 'bigint', 'a number'],
    ['vs', (v) => typeof v === 'string', 'a text string'],
    ['vb', (v) => typeof v === 'boolean', 'a boolean'],
    ['vd', (v) => v instanceof Uint8Array, 'a byte string'],
    ['vlo', (v) => typeof v === 'string', 'a text string'],
  ];
  for (const [member, ok, what] of checks) {
    const label = LABEL[member];
    const value: unknown = raw.get(label);
    if (value === undefined) continue;
    if (!ok(value)) throw contentError(`${where}: label ${String(label)} must be ${what}`);
    return { value: cborToJson(value, where), member };
  }
  return { value: undefined, member: undefined };
}

export function encodeSenmlCbor(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  return senmlCborFromRecords(outRecords(basePath, entries));
}

/** Named, typed records -> SenML CBOR pack. */
export function senmlCborFromRecords(records: readonly OutRecord[]): Buffer {
  const parts: Buffer[] = [cborContainerHead(4, records.length)];
  for (const r of records) {
    const pairs: Buffer[] = [];
    if (r.bn !== undefined) pairs.push(cborItem(LABEL.bn), cborItem(r.bn));
    if (r.n !== undefined) pairs.push(cborItem(LABEL.n), cborItem(r.n));
    const value = r.value;
    switch (value.type) {
      case 'Integer':
      case 'Time':
      case 'Unsigned Integer':
        pairs.push(cborItem(LABEL.v), cborItem(value.value));
        break;
      case 'Float':
        pairs.push(cborItem(LABEL.v), cborDouble(value.value));
        break;
      case 'String':
      case 'Corelnk':
        pairs.push(cborItem(LABEL.vs), cborItem(value.value));
        break;
      case 'Boolean':
        pairs.push(cborItem(LABEL.vb), cborItem(value.value));
        break;
      case 'Opaque':
        pairs.push(cborItem(LABEL.vd), cborItem(value.value));
        break;
      case 'Objlnk':
        pairs.push(cborItem(LABEL.vlo), cborItem(`${value.objectId}:${value.instanceId}`));
        break;
    }
    parts.push(cborContainerHead(5, pairs.length / 2), ...pairs);
  }
  return Buffer.concat(parts);
}
