/**
 * Minimal OMA-TLV encoder for the simulated devices' answers (LwM2M 1.0 TS §6.4.3).
 * Type byte: bits 7-6 identifier type (11 = resource with value, 00 = object instance),
 * bit 5 identifier length (0 = 8 bit, 1 = 16 bit), bits 4-3 length type (00 = length in
 * bits 2-0, 01/10/11 = 8/16/24-bit length field follows the identifier).
 */
export function tlvEntry(kind: 'resource' | 'instance', id: number, value: Buffer): Buffer {
  const idBytes = id > 0xff ? 2 : 1;
  const len = value.length;
  const lenBytes = len < 8 ? 0 : len <= 0xff ? 1 : len <= 0xffff ? 2 : 3;
  const type = (kind === 'resource' ? 0xc0 : 0x00) | (idBytes === 2 ? 0x20 : 0) | (lenBytes << 3) | (lenBytes === 0 ? len : 0);
  const out = Buffer.allocUnsafe(1 + idBytes + lenBytes + len);
  let at = out.writeUInt8(type, 0);
  at = idBytes === 2 ? out.writeUInt16BE(id, at) : out.writeUInt8(id, at);
  if (lenBytes > 0) at = out.writeUIntBE(len, at, lenBytes);
  value.copy(out, at);
  return out;
}

/** §C.1 integers: the shortest of 1, 2, 4 or 8 bytes, two's complement. */
export function tlvInteger(n: number): Buffer {
  if (n >= -0x80 && n <= 0x7f) return Buffer.from([n & 0xff]);
  if (n >= -0x8000 && n <= 0x7fff) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return b;
  }
  if (n >= -0x80000000 && n <= 0x7fffffff) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(Math.trunc(n)));
  return b;
}

/** Device object (3) resources that are strings; all other simulated resources are integers. */
const STRING_RESOURCES: Readonly<Record<number, readonly number[]>> = { 3: [0, 1, 2, 3, 14, 15, 17, 18, 19] };

/** The value a simulated device holds for /oid/iid/rid (Current Time changes every call). */
export function resourceValue(oid: number, rid: number, counter: number): Buffer {
  if (STRING_RESOURCES[oid]?.includes(rid)) return Buffer.from(rid === 0 ? 'snlw-bench' : `bench-${rid}`);
  if (oid === 3 && rid === 13) return tlvInteger(Math.floor(Date.now() / 1000) + counter);
  return tlvInteger(counter % 100);
}

/** TLV body answering a Read of `path` (object instance or single resource). */
export function tlvForPath(segments: readonly number[], counter: number): Buffer {
  const [oid = 3, iid = 0, rid] = segments;
  if (rid !== undefined) return tlvEntry('resource', rid, resourceValue(oid, rid, counter));
  const rids = oid === 3 ? [0, 1, 2, 3, 9, 13] : [0, 1];
  const body = Buffer.concat(rids.map((r) => tlvEntry('resource', r, resourceValue(oid, r, counter))));
  return segments.length >= 2 ? body : tlvEntry('instance', iid, body);
}
