import { generate, parse } from 'coap-packet';
import { GatewayError } from '../../errors.js';

/** RFC 7252 §3 message types. */
export type CoapType = 'CON' | 'NON' | 'ACK' | 'RST';

/** RFC 7252 §5.10 / RFC 7641 / RFC 7959 option numbers we use. */
export const CoapOption = {
  OBSERVE: 6,
  LOCATION_PATH: 8,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  URI_QUERY: 15,
  ACCEPT: 17,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
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

const NAME_TO_NUMBER: Readonly<Record<string, number>> = {
  'If-Match': 1, 'Uri-Host': 3, ETag: 4, 'If-None-Match': 5, Observe: 6, 'Uri-Port': 7, 'Location-Path': 8,
  OSCORE: 9, 'Uri-Path': 11, 'Content-Format': 12, 'Max-Age': 14, 'Uri-Query': 15, 'Hop-Limit': 16, Accept: 17,
  'Q-Block1': 19, 'Location-Query': 20, Block2: 23, Block1: 27, Size2: 28, 'Q-Block2': 31, 'Proxy-Uri': 35,
  'Proxy-Scheme': 39, Size1: 60, 'No-Response': 258,
  'OCF-Accept-Content-Format-Version': 2049, 'OCF-Content-Format-Version': 2053,
};

/** Largest datagram we generate (a UDP payload); Block2 keeps device answers small, writes may be larger. */
const MAX_GENERATED = 65_507;

/** Parses one datagram (RFC 7252 §3); throws GW_ERR_CODEC on a message format error. */
export function decodeMessage(buf: Buffer): CoapMessage {
  // RFC 7252 §3: 4-byte header; token lengths 9-15 are reserved (message format error).
  if (buf.length < 4) throw new GatewayError('GW_ERR_CODEC', 'CoAP message shorter than 4 bytes');
  const first = buf[0] as number;
  if (first >> 6 !== 1) throw new GatewayError('GW_ERR_CODEC', 'CoAP version is not 1');
  if ((first & 0x0f) > 8) throw new GatewayError('GW_ERR_CODEC', 'CoAP token length above 8');
  let parsed;
  try {
    parsed = parse(buf);
  } catch (err) {
    throw new GatewayError('GW_ERR_CODEC', `malformed CoAP message: ${(err as Error).message}`, { cause: err });
  }
  if (parsed.token.length !== (first & 0x0f)) throw new GatewayError('GW_ERR_CODEC', 'CoAP message truncated in token');
  const type: CoapType = parsed.confirmable ? 'CON' : parsed.ack ? 'ACK' : parsed.reset ? 'RST' : 'NON';
  const options = parsed.options.map((o) => ({
    number: typeof o.name === 'number' ? o.name : (NAME_TO_NUMBER[o.name] ?? Number.parseInt(o.name, 10)),
    value: o.value,
  }));
  return { type, code: parsed.code, messageId: parsed.messageId, token: parsed.token, options, payload: parsed.payload };
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

export function decodeBlock(value: Buffer): BlockValue {
  const n = readUint(value);
  return { num: Math.floor(n / 16), more: (n & 0x08) !== 0, szx: n & 0x07 };
}

export function encodeBlock(block: BlockValue): Buffer {
  return uintOption(block.num * 16 + (block.more ? 8 : 0) + block.szx);
}
