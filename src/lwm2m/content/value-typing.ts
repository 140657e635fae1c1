import type { ResourceModel } from '../model/types.js';
import { contentError } from './content-error.js';
import { NUMBER_TEXT } from './numeric-text.js';
import { bestEffortTextValue, bestEffortTlvValue } from './best-effort.js';
import { decodeBoolean, decodeFloat, decodeObjlnk, decodeSignedInt, decodeUnsignedInt } from './tlv-values.js';
import type { JsonValue } from './types.js';

/**
 * Types whose empty encoding carries no value. Devices send a zero-length
 * TLV value or an empty text payload for an optional resource they have no
 * value for (e.g. an unset Time); that is decoded to null rather than
 * failing the whole read (which EMQX answers with 4.00). String, Corelnk
 * and Opaque have a legitimate empty value ("") and keep it.
 */
const EMPTY_IS_NULL: ReadonlySet<string> = new Set(['Integer', 'Time', 'Unsigned Integer', 'Float', 'Boolean', 'Objlnk']);

/**
 * TLV value bytes -> JSON value, typed by the resource model (docs/lwm2m.md,
 * LwM2M 1.0 TS Appendix C); best-effort without a model or for executable
 * resources. `where` is the resource path, for reasons. A zero-length value
 * of a numeric, Boolean or Objlnk resource is null (see EMPTY_IS_NULL).
 */
export function typeTlvValue(bytes: Buffer, model: ResourceModel | undefined, where: string): JsonValue {
  if (bytes.length === 0 && model !== undefined && EMPTY_IS_NULL.has(model.type)) return null;
  switch (model?.type) {
    case 'String':
    case 'Corelnk':
      return bytes.toString('utf8');
    case 'Integer':
      return decodeSignedInt(bytes, where);
    case 'Time':
      // LwM2M 1.0 TS Appendix C: Time is a signed integer of seconds (EMQX reads it unsigned).
      return decodeSignedInt(bytes, where, 'Time');
    case 'Unsigned Integer':
      return decodeUnsignedInt(bytes, where);
    case 'Float':
      return decodeFloat(bytes, where);
    case 'Boolean':
      return decodeBoolean(bytes, where);
    case 'Opaque':
      return bytes.toString('base64');
    case 'Objlnk':
      return decodeObjlnk(bytes, where);
    case 'none':
    case undefined:
      return bestEffortTlvValue(bytes);
  }
}

function textNumber(text: string, type: string, where: string): number {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (!NUMBER_TEXT.test(trimmed) || !Number.isFinite(n)) throw contentError(`text "${clip(text)}" of ${where} is not a valid ${type}`);
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && type !== 'Float') {
    throw contentError(`${type} value ${trimmed} of ${where} is beyond 2^53 and cannot be represented exactly`);
  }
  return n;
}

/**
 * Plain text (LwM2M 1.0 TS §6.4.1) -> JSON value typed by the model:
 * decimal numbers (an Integer with a fraction stays a float, as EMQX),
 * Boolean "0"/"1" and "true"/"false", Objlnk as the raw "oid:iid", Opaque
 * as base64 of the raw payload bytes (as EMQX); an empty payload of a
 * numeric, Boolean or Objlnk resource is null.
 */
export function typeTextValue(raw: Buffer, model: ResourceModel | undefined, where: string): JsonValue {
  const text = raw.toString('utf8');
  // An empty (or blank) payload for a numeric, Boolean or Objlnk resource: no value, null (see EMPTY_IS_NULL).
  if (model !== undefined && EMPTY_IS_NULL.has(model.type) && text.trim() === '') return null;
  switch (model?.type) {
    case 'String':
    case 'Corelnk':
    case 'Objlnk':
      return text;
    case 'Integer':
    case 'Time':
    case 'Unsigned Integer':
    case 'Float':
      return textNumber(text, model.type, where);
    case 'Boolean': {
      const t = text.trim();
      if (t === '1' || t === 'true') return true;
      if (t === '0' || t === 'false') return false;
      throw contentError(`text "${clip(text)}" of ${where} is not a valid Boolean`);
    }
    case 'Opaque':
      return raw.toString('base64');
    case 'none':
    case undefined:
      return bestEffortTextValue(text);
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
