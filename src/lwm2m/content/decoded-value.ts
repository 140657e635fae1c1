import type { Lwm2mPath } from '../path.js';
import type { JsonValue } from './types.js';

/** One decoded value with its full path, before rendering to EMQX's `{path, value}` shape. */
export interface DecodedValue {
  readonly path: Lwm2mPath;
  readonly value: JsonValue;
}
