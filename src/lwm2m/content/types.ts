import type { Lwm2mPath } from '../path.js';
import type { ResourceType } from '../model/types.js';

/** CoAP Content-Format numbers used by LwM2M (LwM2M 1.1 Transport §7.3.x, IANA CoAP registry). */
export const ContentFormat = {
  TEXT: 0,
  LINK_FORMAT: 40,
  OPAQUE: 42,
  CBOR: 60,
  SENML_JSON: 110,
  SENML_CBOR: 112,
  TLV: 11542,
  LWM2M_JSON: 11543,
  /** Pre-registration numbers some old 1.0 devices still send. */
  OLD_TLV: 1542,
  OLD_JSON: 1543,
} as const;
export type ContentFormat = (typeof ContentFormat)[keyof typeof ContentFormat];

/**
 * A decoded value in the shape EMQX publishes on MQTT: Integer/Time/Float as
 * numbers, Boolean as boolean, String as string, Opaque as base64, Objlnk as
 * "oid:iid"; null where a record carries no value.
 */
export type JsonValue = string | number | boolean | null;

/** One `{path, value}` item of `data.content` in an answer. */
export interface ContentEntry {
  readonly path: string;
  readonly value: JsonValue;
  /** Send and composite answers only: when the value was measured (SenML bt + t), seconds since the Unix epoch. */
  readonly time?: number;
}

/**
 * One value to write, as it arrives in a JSON command after path
 * resolution. `value` is still untyped JSON; the encoder converts it per
 * `type` and throws GW_ERR_CONTENT with a reason when it does not fit.
 */
export interface WriteEntry {
  readonly path: Lwm2mPath;
  readonly type: ResourceType;
  readonly value: unknown;
}
