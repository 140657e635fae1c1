import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import type { ResourceLookup } from './resource-lookup.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { typeTextValue } from './value-typing.js';
import { typedValueToText, type TypedValue } from './write-value.js';

/** text/plain (format 0, LwM2M 1.0 TS §6.4.1): one value of one resource (instance). */
export function decodeText(payload: Buffer, reqPath: Lwm2mPath, models: ResourceLookup): DecodedValue[] {
  if (pathDepth(reqPath) < 3) throw contentError(`text/plain cannot carry ${formatPath(reqPath)}: only a single resource value`);
  const model = models(reqPath.objectId, reqPath.resourceId as number);
  return [{ path: reqPath, value: typeTextValue(payload, model, formatPath(reqPath)) }];
}

export function encodeText(value: TypedValue): Buffer {
  return Buffer.from(typedValueToText(value), 'utf8');
}
