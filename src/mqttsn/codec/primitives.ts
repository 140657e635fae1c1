import { isUtf8 } from 'node:buffer';
import { Flag, LONG_LENGTH_MARKER, MAX_MESSAGE_LENGTH, type SnQos } from './constants.js';
import { CodecError } from './codec-error.js';

/**
 * Low-level field helpers shared by every packet reader/writer.
 * Readers take `(buf, start, end)` offsets into the received datagram and never copy;
 * writers write into a Buffer already sized by the generator.
 */

/** MQTT-SN v1.2 §5.2.1: total message size, Length field included, for a body of `rest` octets after the Length field. */
export function totalLength(rest: number): number {
  const short = rest + 1;
  if (short <= 0xff) return short;
  const long = rest + 3;
  if (long > MAX_MESSAGE_LENGTH) {
    throw new CodecError('TOO_LONG', `message of ${long} octets exceeds ${MAX_MESSAGE_LENGTH}`, { length: long });
  }
  return long;
}

/** §5.2.1: writes the Length field for a message of `total` octets; returns the offset after it. */
export function writeLength(buf: Buffer, offset: number, total: number): number {
  if (total <= 0xff) {
    buf[offset] = total;
    return offset + 1;
  }
  buf[offset] = LONG_LENGTH_MARKER;
  buf.writeUInt16BE(total, offset + 1);
  return offset + 3;
}

export function readU16(buf: Buffer, offset: number): number {
  return (buf[offset] << 8) | buf[offset + 1];
}

export function writeU16(buf: Buffer, offset: number, value: number): void {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value & 0xff;
}

/** Throws CodecError('BAD_FIELD') unless `value` is an integer 0..65535. */
export function checkU16(value: number, field: string): void {
  if (!(value >= 0 && value <= 0xffff && Number.isInteger(value))) {
    throw new CodecError('BAD_FIELD', `${field} must be 0..65535, got ${String(value)}`, { field });
  }
}

/** Throws CodecError('BAD_FIELD') unless `value` is an integer 0..255. */
export function checkU8(value: number, field: string): void {
  if (!(value >= 0 && value <= 0xff && Number.isInteger(value))) {
    throw new CodecError('BAD_FIELD', `${field} must be 0..255, got ${String(value)}`, { field });
  }
}

/** §5.3.4 Flags bits 6-5: 00 = 0, 01 = 1, 10 = 2, 11 = -1. */
export function decodeQos(flags: number): SnQos {
  const bits = (flags & Flag.QOS_MASK) >> Flag.QOS_SHIFT;
  return bits === 3 ? -1 : (bits as 0 | 1 | 2);
}

export function encodeQos(qos: SnQos): number {
  switch (qos) {
    case 0:
      return 0;
    case 1:
      return 0x20;
    case 2:
      return 0x40;
    case -1:
      return 0x60;
    default:
      throw new CodecError('BAD_FIELD', `QoS must be -1, 0, 1 or 2, got ${String(qos)}`, { field: 'qos' });
  }
}

/** How string fields with invalid UTF-8 are read (see `parsePacket`'s options). */
let keepInvalidUtf8 = false;

/** While set, string fields with invalid UTF-8 are kept (offending octets escaped) instead of refused. */
export function setKeepInvalidUtf8(keep: boolean): void {
  keepInvalidUtf8 = keep;
}

/**
 * Reads a UTF-8 string field. Invalid UTF-8 is refused (CodecError 'BAD_UTF8') rather than
 * replaced, so a string always re-encodes to the octets it came from. ASCII-only text takes
 * the fast path (no U+FFFD in the result means nothing was replaced). Inside
 * `withInvalidUtf8Kept`, the field is returned with each offending octet as a lone surrogate,
 * so the gateway can answer it with the message's own return code.
 */
export function readUtf8(buf: Buffer, start: number, end: number, field: string): string {
  const text = buf.toString('utf8', start, end);
  if (text.includes('\ufffd') && !isUtf8(buf.subarray(start, end))) {
    if (keepInvalidUtf8) return decodeEscapingInvalid(buf, start, end);
    throw new CodecError('BAD_UTF8', `${field} is not valid UTF-8`, { field });
  }
  return text;
}

/**
 * Decodes well-formed UTF-8 sequences (RFC 3629 §4: no overlongs, no encoded
 * surrogates, nothing above U+10FFFF) and turns every other octet b into the
 * lone surrogate U+DC00+b, which no valid text contains and every topic check
 * refuses as "not valid UTF-8".
 */
function decodeEscapingInvalid(buf: Buffer, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const lead = buf[i];
    if (lead < 0x80) {
      out += String.fromCharCode(lead);
      i += 1;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    const codePoint = length > 0 && i + length <= end ? sequenceValue(buf, i, length) : undefined;
    if (codePoint === undefined) {
      out += String.fromCharCode(0xdc00 | lead);
      i += 1;
      continue;
    }
    out += String.fromCodePoint(codePoint);
    i += length;
  }
  return out;
}

const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000];

function sequenceValue(buf: Buffer, at: number, length: number): number | undefined {
  let value = buf[at] & (0xff >> (length + 1));
  for (let k = 1; k < length; k += 1) {
    const next = buf[at + k];
    if ((next & 0xc0) !== 0x80) return undefined;
    value = (value << 6) | (next & 0x3f);
  }
  if (value < MIN_CODE_POINT[length] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
  return value;
}

/** Throws TOO_SHORT when the body has fewer than `need` octets. */
export function need(start: number, end: number, count: number, what: string): void {
  if (end - start < count) {
    throw new CodecError('TOO_SHORT', `${what}: needs ${count} octets after MsgType, got ${end - start}`, {
      need: count,
      got: end - start,
    });
  }
}

/** Throws TOO_SHORT or TRAILING_BYTES unless the body has exactly `count` octets. */
export function exactly(start: number, end: number, count: number, what: string): void {
  const got = end - start;
  if (got === count) return;
  throw new CodecError(got < count ? 'TOO_SHORT' : 'TRAILING_BYTES', `${what}: expects ${count} octets after MsgType, got ${got}`, { need: count, got });
}
