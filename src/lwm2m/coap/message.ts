import { generate } from 'coap-packet';
import { GatewayError } from '../../errors.js';

/** RFC 7252 §3 message types. */
export type CoapType = 'CON' | 'NON' | 'ACK' | 'RST';

/** RFC 7252 §5.10 / RFC 7641 / RFC 7959 option numbers we use. */
export const CoapOption = {
  URI_HOST: 3,
  URI_PORT: 7,
  OBSERVE: 6,
  LOCATION_PATH: 8,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  URI_QUERY: 15,
  ACCEPT: 17,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  SIZE1: 60,
} as const;

export interface CoapOptionValue {
  readonly number: number;
  readonly value: Buffer;
}

/** One CoAP message, codes as "c.dd" strings ("0.01" GET, "2.05" Content, "0.00" empty). */
export interface CoapMessage {
  readonly type: CoapType;
  readonly code: string;
  readonly messageId: number;
  readonly token: Buffer;
  readonly options: readonly CoapOptionValue[];
  readonly payload: Buffer;
}

export const EMPTY = Buffer.alloc(0);

/** Largest datagram we generate (a UDP payload); Block2 keeps device answers small, writes may be larger. */
const MAX_GENERATED = 65_507;

const TYPES: readonly CoapType[] = ['CON', 'NON', 'ACK', 'RST'];
/** "c.dd" for every code byte, built once (no string per datagram). */
const CODE_NAMES: readonly string[] = Array.from({ length: 256 }, (_, b) => `${b >> 5}.${String(b & 0x1f).padStart(2, '0')}`);

function formatError(reason: string): GatewayError {
  return new GatewayError('GW_ERR_CODEC', reason);
}

/**
 * Parses one datagram (RFC 7252 §3); throws GW_ERR_CODEC on a message
 * format error. One pass over the bytes; token, option values and payload
 * are views into `buf` (no copies): the receive path of 20,000
 * notifications/s.
 */
export function decodeMessage(buf: Buffer): CoapMessage {
  // RFC 7252 §3: 4-byte header; token lengths 9-15 are reserved (message format error).
  if (buf.length < 4) throw formatError('CoAP message shorter than 4 bytes');
  const first = buf[0];
  if (first >> 6 !== 1) throw formatError('CoAP version is not 1');
  const tkl = first & 0x0f;
  if (tkl > 8) throw formatError('CoAP token length above 8');
  if (buf.length < 4 + tkl) throw formatError('CoAP message truncated in token');
  // RFC 7252 §4.1: an Empty message (code 0.00) is the 4-byte header alone; any byte after it is a format error.
  if (buf[1] === 0 && buf.length > 4) throw formatError('CoAP Empty message with token, options or payload');
  const type = TYPES[(first >> 4) & 0x03];
  const code = CODE_NAMES[buf[1]];
  const messageId = (buf[2] << 8) | buf[3];
  const token = buf.subarray(4, 4 + tkl);
  const options: CoapOptionValue[] = [];
  let pos = 4 + tkl;
  let number = 0;
  let payload: Buffer = EMPTY;
  while (pos < buf.length) {
    const byte = buf[pos];
    pos += 1;
    if (byte === 0xff) {
      // RFC 7252 §3: a payload marker followed by a zero-length payload is a format error.
      if (pos >= buf.length) throw formatError('CoAP payload marker without payload');
      payload = buf.subarray(pos);
      break;
    }
    let delta = byte >> 4;
    let length = byte & 0x0f;
    // RFC 7252 §3.1: nibble 13 = 8-bit extension + 13, 14 = 16-bit extension + 269, 15 reserved.
    if (delta === 15 || length === 15) throw formatError('CoAP option with reserved nibble 15');
    if (delta === 13) {
      if (pos + 1 > buf.length) throw formatError('CoAP option truncated');
      delta = buf[pos] + 13;
      pos += 1;
    } else if (delta === 14) {
      if (pos + 2 > buf.length) throw formatError('CoAP option truncated');
      delta = buf.readUInt16BE(pos) + 269;
      pos += 2;
    }
    if (length === 13) {
      if (pos + 1 > buf.length) throw formatError('CoAP option truncated');
      length = buf[pos] + 13;
      pos += 1;
    } else if (length === 14) {
      if (pos + 2 > buf.length) throw formatError('CoAP option truncated');
      length = buf.readUInt16BE(pos) + 269;
      pos += 2;
    }
    if (pos + length > buf.length) throw formatError('CoAP option value truncated');
    number += delta;
    options.push({ number, value: buf.subarray(pos, pos + length) });
    pos += length;
  }
  return { type, code, messageId, token, options, payload };
}

export function encodeMessage(msg: CoapMessage): Buffer {
  return generate(
    {
      code: msg.code,
      messageId: msg.messageId,
      token: msg.token,
      payload: msg.payload,
      confirmable: msg.type === 'CON',
      ack: msg.type === 'ACK',
      reset: msg.type === 'RST',
      options: msg.options.map((o) => ({ name: o.number, value: o.value })),
    },
    MAX_GENERATED,
  );
}

/** RFC 7252 §3.2 uint option value: minimal big-endian bytes (0 is the empty value). */
export function uintOption(value: number): Buffer {
  if (value === 0) return EMPTY;
  const bytes: number[] = [];
  let v = value;
  while (v > 0) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  return Buffer.from(bytes);
}

export function readUint(value: Buffer): number {
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

export function optionValues(msg: CoapMessage, number: number): Buffer[] {
  const out: Buffer[] = [];
  for (const o of msg.options) if (o.number === number) out.push(o.value);
  return out;
}

export function firstOption(msg: CoapMessage, number: number): Buffer | undefined {
  for (const o of msg.options) if (o.number === number) return o.value;
  return undefined;
}

export function uintOptionOf(msg: CoapMessage, number: number): number | undefined {
  const v = firstOption(msg, number);
  return v === undefined ? undefined : readUint(v);
}

export function stringOptions(msg: CoapMessage, number: number): string[] {
  return optionValues(msg, number).map((v) => v.toString('utf8'));
}

/** "2.05" -> 69; "0.01" -> 1. */
export function codeNumber(code: string): number {
  const [c, d] = code.split('.');
  return Number(c) * 32 + Number(d);
}

export function isRequestCode(code: string): boolean {
  return code.startsWith('0.') && code !== '0.00';
}

export function isEmptyCode(code: string): boolean {
  return code === '0.00';
}

/** RFC 7959 §2.2 block option value: NUM, M, SZX. */
export interface BlockValue {
  readonly num: number;
  readonly more: boolean;
  readonly szx: number;
}

/** RFC 7959 §2.2: a Block option value is 0-3 bytes and SZX 7 is reserved. */
export function isValidBlock(value: Buffer): boolean {
  return value.length <= 3 && (value.length === 0 || (value[value.length - 1] & 0x07) !== 7);
}

export function decodeBlock(value: Buffer): BlockValue {
  const n = readUint(value);
  return { num: Math.floor(n / 16), more: (n & 0x08) !== 0, szx: n & 0x07 };
}

export function encodeBlock(block: BlockValue): Buffer {
  return uintOption(block.num * 16 + (block.more ? 8 : 0) + block.szx);
}
