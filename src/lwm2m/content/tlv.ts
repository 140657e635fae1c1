import { contentError } from './content-error.js';

/**
 * Raw OMA-TLV records (LwM2M 1.0 TS §6.4.3), without any object model.
 * Container records (object instance, multiple resource) hold nested
 * records; the others hold their value bytes (a view into the payload).
 */
export type TlvRecord = TlvContainer | TlvLeaf;

export interface TlvContainer {
  readonly kind: 'object-instance' | 'multiple-resource';
  readonly id: number;
  readonly children: readonly TlvRecord[];
}

export interface TlvLeaf {
  readonly kind: 'resource' | 'resource-instance';
  readonly id: number;
  readonly value: Buffer;
}

// LwM2M 1.0 TS §6.4.3 Table 19: bits 7-6 of the type byte.
const KIND_BITS = {
  'object-instance': 0b00,
  'resource-instance': 0b01,
  'multiple-resource': 0b10,
  resource: 0b11,
} as const;
const KIND_BY_BITS = ['object-instance', 'resource-instance', 'multiple-resource', 'resource'] as const;

const MAX_ID = 0xffff;

export function isTlvContainer(record: TlvRecord): record is TlvContainer {
  return record.kind === 'object-instance' || record.kind === 'multiple-resource';
}
const MAX_LENGTH = 0xffffff;

/** What may nest inside what (LwM2M 1.0 TS §6.4.3.1). */
const ALLOWED_CHILDREN: Record<TlvContainer['kind'], ReadonlySet<TlvRecord['kind']>> = {
  'object-instance': new Set(['resource', 'multiple-resource']),
  'multiple-resource': new Set(['resource-instance']),
};

/** Parses a TLV payload into records; throws GW_ERR_CONTENT on any bounds or nesting violation. */
export function parseTlv(payload: Buffer): TlvRecord[] {
  return parseRange(payload, 0, payload.length, undefined);
}

function parseRange(buf: Buffer, start: number, end: number, parent: TlvContainer['kind'] | undefined): TlvRecord[] {
  const records: TlvRecord[] = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    const type = buf[pos++];
    const kind = KIND_BY_BITS[type >> 6];
    const idBytes = type & 0x20 ? 2 : 1;
    const lengthKind = (type >> 3) & 0x03;
    if (pos + idBytes + lengthKind > end) throw contentError(`TLV record at byte ${at}: header runs past the end of the payload`);
    const id = idBytes === 2 ? buf.readUInt16BE(pos) : buf[pos];
    pos += idBytes;
    let length = type & 0x07;
    if (lengthKind > 0) {
      // Bits 4-3: 01/10/11 = 8/16/24-bit length field; the inline bits are then ignored.
      length = buf.readUIntBE(pos, lengthKind);
      pos += lengthKind;
    }
    if (pos + length > end) {
      throw contentError(`TLV record at byte ${at}: length ${length} runs past the end of the payload (${end - pos} bytes left)`);
    }
    if (parent !== undefined && !ALLOWED_CHILDREN[parent].has(kind)) {
      throw contentError(`TLV record at byte ${at}: a ${kind} cannot be nested in ${parent === 'object-instance' ? 'an' : 'a'} ${parent}`);
    }
    if (kind === 'object-instance' || kind === 'multiple-resource') {
      records.push({ kind, id, children: parseRange(buf, pos, pos + length, kind) });
    } else {
      records.push({ kind, id, value: buf.subarray(pos, pos + length) });
    }
    pos += length;
  }
  return records;
}

/** Encodes records with the smallest header each (8-bit id when it fits, inline length below 8). */
export function encodeTlv(records: readonly TlvRecord[]): Buffer {
  const out = Buffer.allocUnsafe(recordsSize(records));
  const written = writeRecords(out, 0, records);
  return written === out.length ? out : out.subarray(0, written);
}

function valueSize(record: TlvRecord): number {
  return isTlvContainer(record) ? recordsSize(record.children) : record.value.length;
}

function recordsSize(records: readonly TlvRecord[]): number {
  let size = 0;
  for (const r of records) {
    const length = valueSize(r);
    size += headerSize(r.id, length) + length;
  }
  return size;
}

function lengthFieldBytes(length: number): number {
  if (length < 8) return 0;
  if (length <= 0xff) return 1;
  if (length <= 0xffff) return 2;
  if (length <= MAX_LENGTH) return 3;
  throw contentError(`TLV value of ${length} bytes exceeds the 24-bit length field`);
}

function headerSize(id: number, length: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw contentError(`TLV identifier ${id} is outside 0..${MAX_ID}`);
  return 1 + (id > 0xff ? 2 : 1) + lengthFieldBytes(length);
}

function writeRecords(out: Buffer, start: number, records: readonly TlvRecord[]): number {
  let pos = start;
  for (const r of records) {
    const length = valueSize(r);
    const wideId = r.id > 0xff;
    const lengthBytes = lengthFieldBytes(length);
    let type = (KIND_BITS[r.kind] << 6) | (wideId ? 0x20 : 0) | (lengthBytes << 3);
    if (lengthBytes === 0) type |= length;
    out[pos++] = type;
    if (wideId) {
      out.writeUInt16BE(r.id, pos);
      pos += 2;
    } else {
      out[pos++] = r.id;
    }
    if (lengthBytes > 0) {
      out.writeUIntBE(length, pos, lengthBytes);
      pos += lengthBytes;
    }
    if (isTlvContainer(r)) {
      pos = writeRecords(out, pos, r.children);
    } else {
      r.value.copy(out, pos);
      pos += length;
    }
  }
  return pos;
}
