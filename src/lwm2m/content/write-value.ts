import { formatPath } from '../path.js';
import type { WriteEntry } from './types.js';
import type { Lwm2mPath } from '../path.js';
import { contentError } from './content-error.js';
import { INTEGER_TEXT, NUMBER_TEXT } from './numeric-text.js';

/** A write value after conversion from JSON, ready for any encoder. */
export type TypedValue =
  | { readonly type: 'String' | 'Corelnk'; readonly value: string }
  | { readonly type: 'Integer' | 'Time' | 'Unsigned Integer'; readonly value: bigint }
  | { readonly type: 'Float'; readonly value: number }
  | { readonly type: 'Boolean'; readonly value: boolean }
  | { readonly type: 'Opaque'; readonly value: Buffer }
  | { readonly type: 'Objlnk'; readonly objectId: number; readonly instanceId: number };

export interface TypedEntry {
  readonly path: Lwm2mPath;
  readonly value: TypedValue;
}

const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;
const OBJLNK_TEXT = /^(\d{1,5}):(\d{1,5})$/;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Converts a command value per resource type (lenient superset of EMQX,
 * see docs/lwm2m.md): numbers or numeric strings for Integer/Time/Unsigned
 * Integer/Float, true/false/"true"/"false"/"1"/"0"/1/0 for Boolean, strings
 * (and numbers) for String, base64 or a Buffer for Opaque, "oid:iid" for
 * Objlnk. Throws GW_ERR_CONTENT `value "x" is not a valid T for /p`.
 */
export function toTypedValue(entry: WriteEntry): TypedValue {
  const { type, value } = entry;
  const bad = (): Error =>
    contentError(`value ${renderValue(value)} is not a valid ${type === 'none' ? 'value (resource is not writable)' : type} for ${formatPath(entry.path)}`);
  switch (type) {
    case 'String':
      if (typeof value === 'string') return { type, value };
      if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return { type, value: String(value) };
      throw bad();
    case 'Corelnk':
      if (typeof value === 'string') return { type, value };
      throw bad();
    case 'Integer':
    case 'Time': {
      const n = toBigInt(value);
      if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw bad();
      return { type, value: n };
    }
    case 'Unsigned Integer': {
      const n = toBigInt(value);
      if (n === undefined || n < 0n || n > UINT64_MAX) throw bad();
      return { type, value: n };
    }
    case 'Float': {
      const n = toFloat(value);
      if (n === undefined) throw bad();
      return { type, value: n };
    }
    case 'Boolean': {
      const b = toBoolean(value);
      if (b === undefined) throw bad();
      return { type, value: b };
    }
    case 'Opaque': {
      const bytes = toBytes(value);
      if (bytes === undefined) throw bad();
      return { type, value: bytes };
    }
    case 'Objlnk': {
      const link = typeof value === 'string' ? parseObjlnk(value) : undefined;
      if (link === undefined) throw bad();
      return { type, ...link };
    }
    case 'none':
      throw bad();
  }
}

export function renderValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (typeof value === 'bigint') return String(value);
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (INTEGER_TEXT.test(text)) return BigInt(text);
  // "12.0" or "1e3": accepted when the number is integral.
  if (NUMBER_TEXT.test(text)) {
    const n = Number(text);
    return Number.isInteger(n) ? BigInt(n) : undefined;
  }
  return undefined;
}

function toFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === 'true' || value === '1') return true;
  if (value === false || value === 0 || value === 'false' || value === '0') return false;
  return undefined;
}

function toBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value !== 'string') return undefined;
  return parseBase64(value);
}

/** Strict base64 or base64url (padding optional); undefined when malformed. */
export function parseBase64(text: string): Buffer | undefined {
  if (text.length % 4 === 1) return undefined;
  if (BASE64_TEXT.test(text)) {
    if (text.includes('=') && text.length % 4 !== 0) return undefined;
    return Buffer.from(text, 'base64');
  }
  if (BASE64URL_TEXT.test(text)) return Buffer.from(text, 'base64url');
  return undefined;
}

/** "oid:iid" with both parts 0..65535. */
export function parseObjlnk(text: string): { objectId: number; instanceId: number } | undefined {
  const m = OBJLNK_TEXT.exec(text.trim());
  if (m === null) return undefined;
  const objectId = Number(m[1]);
  const instanceId = Number(m[2]);
  if (objectId > 0xffff || instanceId > 0xffff) return undefined;
  return { objectId, instanceId };
}

/** A JSON number for JSON-based formats; 64-bit integers beyond 2^53 cannot be written exactly. */
export function safeNumber(value: bigint, path: Lwm2mPath): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw contentError(`value ${value} for ${formatPath(path)} is beyond 2^53 and cannot be written exactly in JSON`);
  }
  return Number(value);
}

/** Text form of a value (LwM2M 1.0 TS §6.4.1 plain text): decimal, "0"/"1", "oid:iid", base64 for Opaque. */
export function typedValueToText(value: TypedValue): string {
  switch (value.type) {
    case 'String':
    case 'Corelnk':
      return value.value;
    case 'Integer':
    case 'Time':
    case 'Unsigned Integer':
      return value.value.toString();
    case 'Float':
      return String(value.value);
    case 'Boolean':
      return value.value ? '1' : '0';
    case 'Opaque':
      return value.value.toString('base64');
    case 'Objlnk':
      return `${value.objectId}:${value.instanceId}`;
  }
}
