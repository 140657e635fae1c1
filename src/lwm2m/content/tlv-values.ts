import { contentError } from './content-error.js';

/**
 * Binary value encodings of OMA-TLV (LwM2M 1.0 TS §6.4.3, Appendix C data
 * types). Decoders take a `where` label (the resource path) for reasons.
 */

const INT_WIDTHS = [1, 2, 4, 8] as const;
const SIGNED_LIMITS = INT_WIDTHS.map((w) => [-(1n << BigInt(w * 8 - 1)), (1n << BigInt(w * 8 - 1)) - 1n] as const);
const UNSIGNED_LIMITS = INT_WIDTHS.map((w) => (1n << BigInt(w * 8)) - 1n);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Integer / Time: two's complement big-endian in the smallest of 1/2/4/8
 * bytes that holds the value as SIGNED (200 -> 00 C8, never 3 bytes).
 */
export function encodeSignedInt(value: bigint): Buffer {
  for (let i = 0; i < INT_WIDTHS.length; i++) {
    const [min, max] = SIGNED_LIMITS[i];
    if (value >= min && value <= max) {
      const width = INT_WIDTHS[i] as number;
      const out = Buffer.allocUnsafe(width);
      if (width === 8) out.writeBigInt64BE(value);
      else out.writeIntBE(Number(value), 0, width);
      return out;
    }
  }
  throw contentError(`integer ${value} does not fit in 64 bits`);
}

/** Unsigned Integer (LwM2M 1.1): smallest of 1/2/4/8 bytes, unsigned. */
export function encodeUnsignedInt(value: bigint): Buffer {
  if (value < 0n) throw contentError(`unsigned integer ${value} is negative`);
  for (let i = 0; i < INT_WIDTHS.length; i++) {
    if (value <= UNSIGNED_LIMITS[i]) {
      const width = INT_WIDTHS[i] as number;
      const out = Buffer.allocUnsafe(width);
      if (width === 8) out.writeBigUInt64BE(value);
      else out.writeUIntBE(Number(value), 0, width);
      return out;
    }
  }
  throw contentError(`unsigned integer ${value} does not fit in 64 bits`);
}

function checkIntWidth(value: Buffer, what: string, where: string): void {
  if (value.length !== 1 && value.length !== 2 && value.length !== 4 && value.length !== 8) {
    throw contentError(`${what} value of ${where} must be 1, 2, 4 or 8 bytes, got ${value.length}`);
  }
}

/**
 * Signed 1/2/4/8-byte integer. An 8-byte value is returned as a number
 * only when it is a safe integer (|n| <= 2^53 - 1); beyond that JSON
 * consumers would silently lose precision, so it is an error.
 */
export function decodeSignedInt(value: Buffer, where: string, what = 'Integer'): number {
  checkIntWidth(value, what, where);
  if (value.length < 8) return value.readIntBE(0, value.length);
  const big = value.readBigInt64BE(0);
  if (big > MAX_SAFE || big < -MAX_SAFE) throw contentError(`${what} value ${big} of ${where} is beyond 2^53 and cannot be represented exactly`);
  return Number(big);
}

/** Unsigned 1/2/4/8-byte integer; 8-byte values beyond 2^53 - 1 are an error (see decodeSignedInt). */
export function decodeUnsignedInt(value: Buffer, where: string): number {
  checkIntWidth(value, 'Unsigned Integer', where);
  if (value.length < 8) return value.readUIntBE(0, value.length);
  const big = value.readBigUInt64BE(0);
  if (big > MAX_SAFE) throw contentError(`Unsigned Integer value ${big} of ${where} is beyond 2^53 and cannot be represented exactly`);
  return Number(big);
}

/** Float is always written as an 8-byte IEEE 754 double (as EMQX does). */
export function encodeFloat(value: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeDoubleBE(value);
  return out;
}

/** Float: 4-byte single or 8-byte double. */
export function decodeFloat(value: Buffer, where: string): number {
  if (value.length === 4) return value.readFloatBE(0);
  if (value.length === 8) return value.readDoubleBE(0);
  throw contentError(`Float value of ${where} must be 4 or 8 bytes, got ${value.length}`);
}

export function encodeBoolean(value: boolean): Buffer {
  return Buffer.from([value ? 1 : 0]);
}

/** Boolean: exactly one byte, 0 or 1. */
export function decodeBoolean(value: Buffer, where: string): boolean {
  if (value.length !== 1 || (value[0] !== 0 && value[0] !== 1)) {
    throw contentError(`Boolean value of ${where} must be one byte 0 or 1, got ${value.length} byte(s) ${value.toString('hex')}`);
  }
  return value[0] === 1;
}

/** Objlnk: object id and instance id as two unsigned 16-bit integers. */
export function encodeObjlnk(objectId: number, instanceId: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt16BE(objectId, 0);
  out.writeUInt16BE(instanceId, 2);
  return out;
}

/** Objlnk -> "oid:iid". */
export function decodeObjlnk(value: Buffer, where: string): string {
  if (value.length !== 4) throw contentError(`Objlnk value of ${where} must be 4 bytes, got ${value.length}`);
  return `${value.readUInt16BE(0)}:${value.readUInt16BE(2)}`;
}
