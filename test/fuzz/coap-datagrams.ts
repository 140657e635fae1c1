import { mutateBytes, wildName, type Random } from './random.js';

/**
 * Seeded CoAP (RFC 7252) / LwM2M datagrams for fuzzing, built as raw octets:
 * token lengths 0-15 (9-15 are reserved, §3), option deltas and lengths in
 * their one- and two-octet extended forms and the reserved nibble 15 (§3.1),
 * critical and unknown options, payload markers with nothing behind them,
 * Register / Update / De-register / Bootstrap-Request variants with wild query strings and link
 * payloads, responses and notifications with every content format, and
 * byte-level mutations of all of that.
 */

/** Endpoint names the fuzz devices register under: registrations stay bounded by this pool. */
export const LWM2M_EP_POOL: readonly string[] = Array.from({ length: 24 }, (_, i) => `fz-ep-${i}`);

export interface CoapOption {
  readonly number: number;
  readonly value: Buffer;
}

const CONTENT_FORMATS = [0, 40, 42, 60, 110, 112, 11542, 11543, 1542, 1543, 65535];
const CON = 0;
const NON = 1;
const ACK = 2;
const RST = 3;

function uint(value: number): Buffer {
  if (value === 0) return Buffer.alloc(0);
  const out: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from(out);
}

/** §3.1 option header nibble and extension for a delta or a length. */
function nibble(value: number): { nibble: number; ext: Buffer } {
  if (value < 13) return { nibble: value, ext: Buffer.alloc(0) };
  if (value < 269) return { nibble: 13, ext: Buffer.from([value - 13]) };
  const ext = Buffer.alloc(2);
  ext.writeUInt16BE(Math.min(0xffff, value - 269));
  return { nibble: 14, ext };
}

export function encodeOptions(options: readonly CoapOption[], sorted = true): Buffer {
  const list = sorted ? [...options].sort((a, b) => a.number - b.number) : options;
  const parts: Buffer[] = [];
  let previous = 0;
  for (const option of list) {
    const delta = nibble(Math.max(0, option.number - previous));
    const length = nibble(option.value.length);
    parts.push(Buffer.from([(delta.nibble << 4) | length.nibble]), delta.ext, length.ext, option.value);
    previous = option.number;
  }
  return Buffer.concat(parts);
}

export function encodeCoap(m: {
  type: number;
  code: number;
  mid: number;
  token: Buffer;
  tkl?: number;
  options: readonly CoapOption[];
  payload?: Buffer;
  sorted?: boolean;
  emptyMarker?: boolean;
}): Buffer {
  const tkl = m.tkl ?? m.token.length;
  const header = Buffer.from([0x40 | (m.type << 4) | (tkl & 0x0f), m.code, (m.mid >> 8) & 0xff, m.mid & 0xff]);
  const payload = m.payload ?? Buffer.alloc(0);
  const marker = payload.length > 0 || m.emptyMarker === true ? Buffer.from([0xff]) : Buffer.alloc(0);
  return Buffer.concat([header, m.token, encodeOptions(m.options, m.sorted ?? true), marker, payload]);
}

const code = (cls: number, detail: number): number => (cls << 5) | detail;

function path(parts: readonly string[]): CoapOption[] {
  return parts.map((p) => ({ number: 11, value: Buffer.from(p) }));
}

function query(items: readonly Buffer[]): CoapOption[] {
  return items.map((value) => ({ number: 15, value }));
}

/** Query parameters of a Register (LwM2M 1.1 §6.2.1 / Table 6.2.1-1) as a hostile device writes them. */
function registerQuery(rand: Random): Buffer[] {
  const items: Buffer[] = [];
  if (rand.chance(0.92))
    items.push(Buffer.concat([Buffer.from('ep='), rand.chance(0.8) ? Buffer.from(rand.pick(LWM2M_EP_POOL)) : wildName(rand, LWM2M_EP_POOL)]));
  if (rand.chance(0.1)) items.push(Buffer.concat([Buffer.from('ep='), wildName(rand, LWM2M_EP_POOL)])); // a duplicated ep=
  if (rand.chance(0.7))
    items.push(Buffer.from(`lt=${rand.pick(['60', '300', '86400', '0', '-1', 'abc', '99999999999999', '1e3', '', String(rand.int(1e6))])}`));
  if (rand.chance(0.7)) items.push(Buffer.from(`lwm2m=${rand.pick(['1.0', '1.1', '1.2', '2', '', 'x', '1.0.0'])}`));
  if (rand.chance(0.4)) items.push(Buffer.from(`b=${rand.pick(['U', 'UQ', 'Q', 'S', 'UQS', 'T', 'N', '', 'XYZ'])}`));
  if (rand.chance(0.15)) items.push(Buffer.from(rand.pick(['sms=123', 'apn=x', 'Q', '=', '==x', 'ep', 'a=b=c', '&&', 'imei=1', 'device_id=+'])));
  if (rand.chance(0.1)) items.push(wildName(rand, ['x=y']));
  if (rand.chance(0.05)) for (let i = rand.range(10, 60); i > 0; i -= 1) items.push(Buffer.from(`p${i}=${'v'.repeat(rand.int(20))}`));
  return rand.chance(0.1) ? items.reverse() : items;
}

function links(rand: Random): Buffer {
  switch (rand.int(8)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return rand.bytes(rand.length(200));
    case 2:
      return Buffer.from(Array.from({ length: rand.range(50, 400) }, (_, i) => `</${i % 40}/${i}>`).join(','));
    case 3:
      return Buffer.from(
        rand.pick([
          '<',
          '</>,<',
          '</1/0>;rt="oma.lwm2m";ct=11543,</3/0',
          '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>',
          ',,,,',
          '</99999999999/0>',
          '</a/b/c/d/e>',
          '</1/0>;ver=9.9',
        ]),
      );
    default:
      return Buffer.from(rand.pick(['</1/0>,</3/0>', '</1/0>,</3/0>,</5/0>,</3303/0>', '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>']));
  }
}

/** Random option list with hostile numbers and lengths (critical unknown ones, extended forms). */
function strangeOptions(rand: Random): CoapOption[] {
  const out: CoapOption[] = [];
  for (let i = rand.int(4); i > 0; i -= 1) {
    const number = rand.pick([1, 3, 4, 5, 6, 7, 8, 9, 12, 14, 17, 23, 27, 28, 35, 39, 60, 258, 2049, 2050, 65000, rand.int(300), rand.int(0x10000)]);
    const length = rand.pick([0, 1, 2, 4, 8, 12, 13, 14, 268, 269, 270, 300, rand.int(20)]);
    out.push({ number, value: rand.bytes(length) });
  }
  return out;
}

function block(rand: Random, num: number): Buffer {
  // Block option (RFC 7959 §2.2): NUM, M, SZX (7 is reserved).
  return uint((num << 4) | (rand.chance(0.5) ? 0x08 : 0) | rand.int(8));
}

function token(rand: Random): { token: Buffer; tkl: number } {
  const roll = rand.int(20);
  if (roll === 0) {
    const tkl = rand.range(9, 15); // reserved (§3): a message format error
    return { token: rand.bytes(rand.chance(0.5) ? tkl : rand.int(16)), tkl };
  }
  const tkl = rand.pick([0, 1, 2, 4, 8, rand.int(9)]);
  return { token: rand.bytes(tkl), tkl };
}

export interface CoapFuzzState {
  /** Locations (`rd/<id>`) the gateway handed out to this fuzz socket. */
  readonly locations: string[];
  /** Tokens of requests the gateway sent to this fuzz socket (answered, or notified, with junk). */
  readonly tokens: Buffer[];
}

function knownLocation(rand: Random, state: CoapFuzzState): string[] {
  if (state.locations.length > 0 && rand.chance(0.7)) return ['rd', rand.pick(state.locations)];
  return ['rd', rand.pick(['0', '1', 'x', '', 'a/b', rand.bytes(3).toString('hex')])];
}

function contentPayload(rand: Random): { format: number; payload: Buffer } {
  const format = rand.pick(CONTENT_FORMATS);
  const payload = rand.pick([
    () => rand.bytes(rand.length(120)),
    () => Buffer.from('{"bn":"/3/0/","e":[{"n":"0","sv":"x"}]}'),
    () => Buffer.from('[{"bn":"/3/0/","n":"0","v":1e309},{"n":"1","vb":true},{"n":"/../","vs":"\\u0000"}]'),
    () => Buffer.from([0xc8, 0x00, 0x03, 0x61, 0x62, 0x63, 0x08, 0x00, 0x05, 0xc1, 0x00, 0x01, 0xff, 0xff]),
    () => Buffer.from([0x81, 0xa2, 0x21, 0x64, 0x2f, 0x33, 0x2f, 0x30, 0x00, 0x61, 0x30, 0x02, 0x18, 0x2a]),
    () => Buffer.from([0x9f, 0x9f, 0x9f, 0x9f, 0x5f, 0x41, 0x00]),
    () => Buffer.from('12345678901234567890123456789'),
  ])();
  return { format, payload };
}

/** One request, response or empty message. */
function message(rand: Random, state: CoapFuzzState): Buffer {
  const mid = rand.int(0x10000);
  const { token: tok, tkl } = token(rand);
  const kind = rand.int(100);
  if (kind < 30) {
    // Register: POST /rd?ep=...
    const options: CoapOption[] = [...path(rand.chance(0.95) ? ['rd'] : ['rd', 'x']), ...query(registerQuery(rand))];
    if (rand.chance(0.6)) options.push({ number: 12, value: uint(rand.chance(0.8) ? 40 : rand.pick(CONTENT_FORMATS)) });
    if (rand.chance(0.08)) options.push({ number: 27, value: block(rand, rand.int(4)) });
    if (rand.chance(0.08)) options.push(...strangeOptions(rand));
    return encodeCoap({ type: rand.chance(0.85) ? CON : NON, code: code(0, 2), mid, token: tok, tkl, options, payload: links(rand) });
  }
  if (kind < 45) {
    // Update: POST /rd/<location>, sometimes with a new object list.
    const options: CoapOption[] = [...path(knownLocation(rand, state))];
    if (rand.chance(0.5)) options.push(...query([Buffer.from(rand.pick(['lt=60', 'lt=0', 'lt=-5', 'b=UQ', 'sms=1', 'ep=other', 'lwm2m=1.1', 'lt=x']))]));
    return encodeCoap({ type: CON, code: code(0, 2), mid, token: tok, tkl, options, payload: rand.chance(0.3) ? links(rand) : Buffer.alloc(0) });
  }
  if (kind < 50) return encodeCoap({ type: CON, code: code(0, 4), mid, token: tok, tkl, options: path(knownLocation(rand, state)) }); // De-register
  if (kind < 55) {
    // Bootstrap-Request (LwM2M 1.1 §5.2.7.1): POST /bs?ep=...[&pct=...]; the shipped example file knows "sensor-17" and "*".
    const items = [
      Buffer.concat([
        Buffer.from('ep='),
        rand.chance(0.3) ? Buffer.from('sensor-17') : rand.chance(0.7) ? Buffer.from(rand.pick(LWM2M_EP_POOL)) : wildName(rand, LWM2M_EP_POOL),
      ]),
    ];
    if (rand.chance(0.3)) items.push(Buffer.from(`pct=${rand.pick(['0', '11542', '112', '110', 'x', '-1', '99999999'])}`));
    if (rand.chance(0.1)) items.push(Buffer.from('ep=second'));
    return encodeCoap({
      type: rand.chance(0.9) ? CON : NON,
      code: code(0, 2),
      mid,
      token: tok,
      tkl,
      options: [...path(['bs']), ...query(items)],
      payload: rand.chance(0.1) ? rand.bytes(8) : Buffer.alloc(0),
    });
  }
  if (kind < 65) {
    // Responses and notifications, to the gateway's requests or to nothing.
    const reply = rand.chance(0.6) && state.tokens.length > 0 ? rand.pick(state.tokens) : tok;
    const { format, payload } = contentPayload(rand);
    const options: CoapOption[] = [{ number: 12, value: uint(format) }];
    if (rand.chance(0.5)) options.push({ number: 6, value: uint(rand.int(1 << 24)) });
    if (rand.chance(0.1)) options.push({ number: 23, value: block(rand, rand.int(3)) });
    const type = rand.pick([ACK, CON, NON]);
    const responseCode = rand.pick([code(2, 5), code(2, 4), code(2, 5), code(4, 4), code(5, 0), code(2, 31), rand.int(256)]);
    return encodeCoap({ type, code: responseCode, mid, token: reply, options, payload });
  }
  if (kind < 75) {
    // Empty messages (§4.1): with and without (forbidden) token or payload.
    const type = rand.pick([CON, NON, ACK, RST]);
    return encodeCoap({
      type,
      code: 0,
      mid,
      token: rand.chance(0.7) ? Buffer.alloc(0) : tok,
      tkl: rand.chance(0.7) ? 0 : tkl,
      options: [],
      payload: rand.chance(0.8) ? Buffer.alloc(0) : rand.bytes(4),
    });
  }
  // Anything else: other methods and paths, strange options, option order broken, a marker with no payload.
  const options: CoapOption[] = [
    ...path(rand.pick([[], ['rd'], ['bs'], ['3', '0'], ['.well-known', 'core'], [rand.bytes(rand.length(10)).toString('latin1')]])),
    ...strangeOptions(rand),
  ];
  return encodeCoap({
    type: rand.int(4),
    code: rand.chance(0.7) ? code(0, rand.range(1, 7)) : rand.int(256),
    mid,
    token: tok,
    tkl,
    options,
    sorted: rand.chance(0.8),
    emptyMarker: rand.chance(0.1),
    payload: rand.chance(0.3) ? rand.bytes(rand.length(64)) : Buffer.alloc(0),
  });
}

/** One fuzz datagram. */
export function coapDatagram(rand: Random, state: CoapFuzzState): Buffer {
  const style = rand.int(100);
  if (style < 5) return rand.bytes(rand.length(300));
  const datagram = message(rand, state);
  return style < 35 ? mutateBytes(rand, datagram) : datagram;
}

/** What the gateway sent to a fuzz socket: locations from 2.01, tokens of its requests (bounded lists). */
export function learnFromGateway(state: CoapFuzzState, datagram: Buffer): void {
  if (datagram.length < 4 || datagram[0] >> 6 !== 1) return;
  const tkl = datagram[0] & 0x0f;
  if (tkl > 8 || datagram.length < 4 + tkl) return;
  const codeByte = datagram[1];
  const tok = Buffer.from(datagram.subarray(4, 4 + tkl));
  if (codeByte >= 1 && codeByte <= 31) remember(state.tokens, tok);
  if (codeByte !== code(2, 1)) return;
  // Location-Path (option 8) of a 2.01 Created: walk the options.
  let at = 4 + tkl;
  let number = 0;
  const location: string[] = [];
  while (at < datagram.length && datagram[at] !== 0xff) {
    const head = datagram[at];
    at += 1;
    let delta = head >> 4;
    let length = head & 0x0f;
    if (delta === 13) delta = 13 + (datagram[at++] ?? 0);
    else if (delta === 14) {
      delta = 269 + ((datagram[at] ?? 0) << 8) + (datagram[at + 1] ?? 0);
      at += 2;
    }
    if (length === 13) length = 13 + (datagram[at++] ?? 0);
    else if (length === 14) {
      length = 269 + ((datagram[at] ?? 0) << 8) + (datagram[at + 1] ?? 0);
      at += 2;
    }
    number += delta;
    if (number === 8) location.push(datagram.subarray(at, at + length).toString());
    at += length;
  }
  if (location.length === 2 && location[0] === 'rd') remember(state.locations, location[1]);
}

function remember<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > 32) list.shift();
}
