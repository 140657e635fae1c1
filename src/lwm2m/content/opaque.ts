import { formatPath, type Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import type { TypedValue } from './write-value.js';

/** application/octet-stream (42, LwM2M 1.0 TS §6.4.2): base64 of the whole payload at reqPath, no model needed. */
export function decodeOpaque(payload: Buffer, reqPath: Lwm2mPath): DecodedValue[] {
  return [{ path: reqPath, value: payload.toString('base64') }];
}

/** Only an Opaque value can travel as octet-stream. */
export function encodeOpaque(value: TypedValue, path: Lwm2mPath): Buffer {
  if (value.type !== 'Opaque') throw contentError(`octet-stream can only carry an Opaque value, ${formatPath(path)} is ${value.type}`);
  return value.value;
}
