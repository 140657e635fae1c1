import { NUMBER_TEXT } from './numeric-text.js';

/**
 * Best-effort typing of values whose object or resource has no model
 * (values of objects without a definition are still decoded
 * best-effort; EMQX answers 4.00 here, we deliberately differ).
 *
 * TLV bytes, in this order:
 * 1. empty -> "" (an empty String is the only empty value the spec allows);
 * 2. exactly 1 byte -> signed integer (a one-byte Integer such as a battery
 *    level of 100 = 0x64 is far more common than a one-character string);
 * 3. valid, printable UTF-8 (no control characters other than TAB/CR/LF)
 *    -> string;
 * 4. 2, 4 or 8 bytes -> signed big-endian integer (8 bytes only when the
 *    value is a safe integer, else base64);
 * 5. anything else -> base64 (as Opaque).
 * Floats and Booleans cannot be told apart from integers without a model.
 *
 * Plain text: a decimal number -> number, anything else -> the string.
 */
export function bestEffortTlvValue(bytes: Buffer): string | number {
  if (bytes.length === 0) return '';
  if (bytes.length === 1) return bytes.readInt8(0);
  const text = printableUtf8(bytes);
  if (text !== undefined) return text;
  if (bytes.length === 2 || bytes.length === 4) return bytes.readIntBE(0, bytes.length);
  if (bytes.length === 8) {
    const big = bytes.readBigInt64BE(0);
    if (big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  }
  return bytes.toString('base64');
}

export function bestEffortTextValue(text: string): string | number {
  if (NUMBER_TEXT.test(text.trim())) {
    const n = Number(text.trim());
    if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n))) return n;
  }
  return text;
}

// Control characters other than TAB, LF, CR, plus DEL and the C1 range.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

function printableUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd') || CONTROL.test(text)) return undefined;
  // Reject overlong/invalid sequences that decode without a replacement char.
  if (Buffer.byteLength(text, 'utf8') !== bytes.length) return undefined;
  return text;
}
