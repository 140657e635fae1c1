import { Decoder, Encoder } from 'cbor-x';
import { contentError } from './content-error.js';

/**
 * cbor-x wrappers. Items are encoded one by one and containers framed by
 * hand (RFC 8949 §3.1 initial bytes), so that a Float is always a CBOR
 * double even when integral (cbor-x would otherwise pick an integer).
 */
const plainEncoder = new Encoder({ useRecords: false, tagUint8Array: false });
const floatEncoder = new Encoder({ useRecords: false, alwaysUseFloat: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

/** An integer (as the smallest CBOR int), text string, byte string or boolean. */
export function cborItem(value: number | bigint | string | boolean | Buffer): Buffer {
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)) {
    return plainEncoder.encode(Number(value));
  }
  return plainEncoder.encode(value);
}

/** A CBOR double (major type 7, 0xfb). */
export function cborDouble(value: number): Buffer {
  return floatEncoder.encode(value);
}

/** Initial byte(s) of an array (major 4) or map (major 5) of `count` items. */
export function cborContainerHead(major: 4 | 5, count: number): Buffer {
  const top = major << 5;
  if (count < 24) return Buffer.from([top | count]);
  if (count <= 0xff) return Buffer.from([top | 24, count]);
  if (count <= 0xffff) return Buffer.from([top | 25, count >> 8, count & 0xff]);
  const out = Buffer.allocUnsafe(5);
  out[0] = top | 26;
  out.writeUInt32BE(count, 1);
  return out;
}

/** Decodes exactly one CBOR data item; maps come back as `Map`, byte strings as Uint8Array. */
export function decodeCbor(payload: Buffer, what: string): unknown {
  if (payload.length === 0) throw contentError(`${what}: empty payload`);
  try {
    return decoder.decode(payload);
  } catch (err) {
    throw contentError(`${what}: malformed CBOR (${err instanceof Error ? err.message : String(err)})`, err);
  }
}
