import type { Lwm2mPath } from '../path.js';
import type { SenmlValueMember } from './senml-records.js';
import type { JsonValue } from './types.js';

/** One decoded value with its full path, before rendering to EMQX's `{path, value}` shape. */
export interface DecodedValue {
  readonly path: Lwm2mPath;
  readonly value: JsonValue;
  /** SenML records only: bt + t as given (RFC 8428 §4.5.3), when the record has a time. */
  readonly time?: number;
  /** SenML records only: the member the value came in (`vd` for Opaque, `vlo` for Objlnk...). */
  readonly member?: SenmlValueMember;
}
