import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import { cborDouble, cborItem, decodeCbor } from './cbor-primitives.js';
import type { DecodedValue } from './decoded-value.js';
import type { JsonValue } from './types.js';
import type { TypedValue } from './write-value.js';

/**
 * application/cbor (60, LwM2M 1.1 TS §7.4.6): one resource (instance) value
 * as a single CBOR item. Byte strings -> base64, tag 1 times -> seconds,
 * 64-bit integers only when safe in JSON.
 */
export function decodeCborContent(payload: Buffer, reqPath: Lwm2mPath): DecodedValue[] {
  const where = formatPath(reqPath);
  if (pathDepth(reqPath) < 3) throw contentError(`CBOR cannot carry ${where}: only a single resource value`);
  return [{ path: reqPath, value: cborToJson(decodeCbor(payload, `CBOR value of ${where}`), where) }];
}

export function cborToJson(item: unknown, where: string): JsonValue {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return item;
  if (typeof item === 'number') {
    if (!Number.isFinite(item)) throw contentError(`CBOR value of ${where} is not a finite number`);
    return item;
  }
  if (typeof item === 'bigint') {
    if (item > BigInt(Number.MAX_SAFE_INTEGER) || item < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw contentError(`CBOR integer ${item} of ${where} is beyond 2^53 and cannot be represented exactly`);
    }
    return Number(item);
  }
  if (item instanceof Uint8Array) return Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('base64');
  if (item instanceof Date) return Math.trunc(item.getTime() / 1000);
  throw contentError(`CBOR value of ${where} is not a single scalar value`);
}

/** One value; copied out of cbor-x's shared encode buffer since the payload may be queued for long. */
export function encodeCborValue(value: TypedValue): Buffer {
  switch (value.type) {
    case 'Float':
      return Buffer.from(cborDouble(value.value));
    case 'Objlnk':
      return Buffer.from(cborItem(`${value.objectId}:${value.instanceId}`));
    default:
      return Buffer.from(cborItem(value.value));
  }
}
