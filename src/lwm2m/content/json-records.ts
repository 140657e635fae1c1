import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import { safeNumber, type TypedValue } from './write-value.js';

/** Parses a JSON payload (LwM2M JSON or SenML JSON); `what` names the format in errors. */
export function parseJsonPayload(payload: Buffer, what: string): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw contentError(`${what}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

interface MemberTypes {
  string: string;
  number: number;
  boolean: boolean;
}

/**
 * One optional member of a JSON record, checked to be of `type` (numbers
 * must be finite). Throws `<where>: "<key>" must be a <type>` otherwise.
 */
export function jsonMember<K extends keyof MemberTypes>(record: Record<string, unknown>, key: string, type: K, where: string): MemberTypes[K] | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
    throw contentError(`${where}: "${key}" must be a ${type}`);
  }
  return value as MemberTypes[K];
}

/** The record member names a JSON format uses per kind of value, and how it writes Opaque. */
export interface JsonValueKeys {
  readonly number: string;
  readonly string: string;
  readonly boolean: string;
  readonly opaque: string;
  readonly objlnk: string;
  readonly opaqueEncoding: 'base64' | 'base64url';
}

/**
 * The `[key, value]` member carrying a typed write value: integers as exact
 * JSON numbers (beyond 2^53 throws), String/Corelnk as text, Opaque as
 * base64 text, Objlnk as "oid:iid".
 */
export function jsonValueMember(value: TypedValue, path: Lwm2mPath, keys: JsonValueKeys): [string, string | number | boolean] {
  switch (value.type) {
    case 'Integer':
    case 'Time':
    case 'Unsigned Integer':
      return [keys.number, safeNumber(value.value, path)];
    case 'Float':
      return [keys.number, value.value];
    case 'String':
    case 'Corelnk':
      return [keys.string, value.value];
    case 'Boolean':
      return [keys.boolean, value.value];
    case 'Opaque':
      return [keys.opaque, value.value.toString(keys.opaqueEncoding)];
    case 'Objlnk':
      return [keys.objlnk, `${value.objectId}:${value.instanceId}`];
  }
}
