import { createSocket, type Socket } from 'node:dgram';
import { generate, parse, type ParsedPacket } from 'coap-packet';

/** A CoAP message as the scripted device sees it; options by number. */
export interface DeviceMessage {
  readonly type: 'CON' | 'NON' | 'ACK' | 'RST';
  readonly code: string;
  readonly messageId: number;
  readonly token: Buffer;
  readonly options: readonly { readonly number: number; readonly value: Buffer }[];
  readonly payload: Buffer;
}

const OPTION_NUMBERS: Record<string, number> = {
  Observe: 6,
  'Location-Path': 8,
  'Uri-Path': 11,
  'Content-Format': 12,
  'Uri-Query': 15,
  Accept: 17,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  Size1: 60,
};

export function uint(value: number): Buffer {
  if (value === 0) return Buffer.alloc(0);
  const out: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from(out);
}

function readUint(b: Buffer): number {
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

function toMessage(p: ParsedPacket): DeviceMessage {
  const type = p.confirmable ? 'CON' : p.ack ? 'ACK' : p.reset ? 'RST' : 'NON';
  const options = p.options.map((o) => ({
    number: typeof o.name === 'number' ? o.name : (OPTION_NUMBERS[o.name] ?? Number.parseInt(o.name, 10)),
    value: o.value,
  }));
  return { type, code: p.code, messageId: p.messageId, token: p.token, options, payload: p.payload };
}

export function pathOf(msg: DeviceMessage): string {
  return (
    '/' +
    msg.options
      .filter((o) => o.number === 11)
      .map((o) => o.value.toString())
      .join('/')
  );
}
export function queriesOf(msg: DeviceMessage): string[] {
  return msg.options.filter((o) => o.number === 15).map((o) => o.value.toString());
}
export function uintOptionOf(msg: DeviceMessage, number: number): number | undefined {
  const o = msg.options.find((x) => x.number === number);
  return o === undefined ? undefined : readUint(o.value);
}
export function stringOptionsOf(msg: DeviceMessage, number: number): string[] {
  return msg.options.filter((o) => o.number === number).map((o) => o.value.toString());
}

export interface Reply {
  readonly code: string;
  readonly format?: number;
  readonly payload?: Buffer | string;
  readonly observe?: number;
  readonly extraOptions?: readonly { readonly number: number; readonly value: Buffer }[];
}

/**
 * A scripted LwM2M client over a real UDP socket (coap-packet wire format):
 * registers, updates, answers the gateway's requests exactly as a test
 * says, sends notifications, and asserts on what the gateway sends.
 */
export class Lwm2mTestDevice {
  readonly #socket: Socket;
  readonly #server: { host: string; port: number };
  readonly #requests: DeviceMessage[] = [];
  readonly #waiters: ((m: DeviceMessage) => void)[] = [];
  readonly #pending = new Map<number, (m: DeviceMessage) => void>();
  #mid = Math.floor(Math.random() * 60000);
  location: string[] = [];
  /** Every well-formed message from the gateway, in arrival order (for ordering assertions). */
  readonly received: DeviceMessage[] = [];

  private constructor(socket: Socket, server: { host: string; port: number }) {
    this.#socket = socket;
    this.#server = server;
    socket.on('message', (buf) => this.#onMessage(buf));
  }

  /** `localAddress`: another loopback address (127.0.0.2, ...) to appear as a different host. */
  static async open(server: { host: string; port: number }, localAddress = '127.0.0.1'): Promise<Lwm2mTestDevice> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, localAddress, () => resolve()));
    return new Lwm2mTestDevice(socket, server);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** The next datagram from the gateway, as bytes (for exact-wire assertions). */
  onRawMessage(listener: (datagram: Buffer) => void): void {
    this.#socket.once('message', listener);
  }

  #onMessage(buf: Buffer): void {
    let msg: DeviceMessage;
    try {
      msg = toMessage(parse(buf));
    } catch {
      return;
    }
    this.received.push(msg);
    if (msg.type === 'ACK' || msg.type === 'RST') {
      const pending = this.#pending.get(msg.messageId);
      if (pending !== undefined) {
        this.#pending.delete(msg.messageId);
        pending(msg);
      }
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(msg);
    else this.#requests.push(msg);
  }

  #nextMid(): number {
    this.#mid = (this.#mid + 1) & 0xffff;
    return this.#mid;
  }

  sendRaw(data: Buffer): void {
    this.#socket.send(data, this.#server.port, this.#server.host);
  }

  send(msg: {
    type: 'CON' | 'NON' | 'ACK' | 'RST';
    code: string;
    messageId: number;
    token?: Buffer;
    options?: readonly { number: number; value: Buffer }[];
    payload?: Buffer;
  }): void {
    this.sendRaw(
      generate(
        {
          code: msg.code,
          messageId: msg.messageId,
          token: msg.token ?? Buffer.alloc(0),
          confirmable: msg.type === 'CON',
          ack: msg.type === 'ACK',
          reset: msg.type === 'RST',
          payload: msg.payload ?? Buffer.alloc(0),
          options: (msg.options ?? []).map((o) => ({ name: o.number, value: o.value })),
        },
        65000,
      ),
    );
  }

  /** A CON request to the gateway; resolves with the piggy-backed answer. */
  async request(code: string, path: readonly string[], query: readonly string[] = [], payload?: string | Buffer, messageId?: number): Promise<DeviceMessage> {
    const mid = messageId ?? this.#nextMid();
    const options = [
      ...path.map((p) => ({ number: 11, value: Buffer.from(p) })),
      ...(payload === undefined ? [] : [{ number: 12, value: uint(40) }]),
      ...query.map((q) => ({ number: 15, value: Buffer.from(q) })),
    ];
    const answer = this.#awaitAck(mid);
    this.send({
      type: 'CON',
      code,
      messageId: mid,
      token: Buffer.from([1, 2, 3, 4]),
      options,
      ...(payload === undefined ? {} : { payload: Buffer.from(payload) }),
    });
    return answer;
  }

  /**
   * LwM2M 1.1 Send (Transport §6.5.1): POST /dp with a SenML pack in
   * `format` (110 SenML JSON, 112 SenML CBOR); resolves with the answer.
   */
  async sendData(payload: string | Buffer, format: number, extra: readonly { number: number; value: Buffer }[] = []): Promise<DeviceMessage> {
    const mid = this.#nextMid();
    const answer = this.#awaitAck(mid);
    // `extra`: options numbered above Content-Format (e.g. Block1 27, Size1 60), in order.
    const options = [{ number: 11, value: Buffer.from('dp') }, { number: 12, value: uint(format) }, ...extra];
    this.send({ type: 'CON', code: '0.02', messageId: mid, token: Buffer.from([5, 6, 7, 8]), options, payload: toBuffer(payload) });
    return answer;
  }

  #awaitAck(mid: number, timeoutMs = 3000): Promise<DeviceMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(mid);
        reject(new Error(`no ACK for message ${mid}`));
      }, timeoutMs);
      this.#pending.set(mid, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  async register(
    ep: string,
    opts: { lt?: number | undefined; lwm2m?: string | undefined; extra?: readonly string[]; links?: string } = {},
  ): Promise<DeviceMessage> {
    const query = [`ep=${ep}`];
    if (opts.lt !== undefined) query.push(`lt=${opts.lt}`);
    query.push(`lwm2m=${opts.lwm2m ?? '1.0'}`);
    query.push(...(opts.extra ?? []));
    const answer = await this.request('0.02', ['rd'], query, opts.links ?? '</1/0>,</3/0>');
    if (answer.code === '2.01') this.location = stringOptionsOf(answer, 8);
    return answer;
  }

  /** CoAP ping (RFC 7252 §4.3): an empty CON; resolves with the RST. */
  ping(): Promise<DeviceMessage> {
    const mid = this.#nextMid();
    const answer = this.#awaitAck(mid);
    this.send({ type: 'CON', code: '0.00', messageId: mid });
    return answer;
  }

  update(query: readonly string[] = [], links?: string): Promise<DeviceMessage> {
    return this.request('0.02', this.location, query, links);
  }

  deregister(): Promise<DeviceMessage> {
    return this.request('0.04', this.location);
  }

  /** The next request the gateway sends to this device. */
  expectRequest(timeoutMs = 3000): Promise<DeviceMessage> {
    const queued = this.#requests.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (m: DeviceMessage): void => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error('no request from the gateway'));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Asserts the gateway sends nothing for `ms`. */
  async expectNothing(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const extra = this.#requests.shift();
    if (extra !== undefined) throw new Error(`unexpected ${extra.code} to ${pathOf(extra)}`);
  }

  /** Piggy-backed answer on the ACK. */
  respond(req: DeviceMessage, reply: Reply): void {
    this.send({ type: 'ACK', code: reply.code, messageId: req.messageId, token: req.token, options: replyOptions(reply), payload: toBuffer(reply.payload) });
  }

  emptyAck(req: DeviceMessage): void {
    this.send({ type: 'ACK', code: '0.00', messageId: req.messageId });
  }

  reset(req: DeviceMessage): void {
    this.send({ type: 'RST', code: '0.00', messageId: req.messageId });
  }

  /** A separate response or notification (CON waits for the gateway's ACK/RST and returns it). */
  async sendResponse(req: DeviceMessage, reply: Reply, type: 'CON' | 'NON'): Promise<DeviceMessage | undefined> {
    const mid = this.#nextMid();
    const ack = type === 'CON' ? this.#awaitAck(mid) : undefined;
    this.send({ type, code: reply.code, messageId: mid, token: req.token, options: replyOptions(reply), payload: toBuffer(reply.payload) });
    return ack;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

function replyOptions(reply: Reply): { number: number; value: Buffer }[] {
  const options: { number: number; value: Buffer }[] = [];
  if (reply.observe !== undefined) options.push({ number: 6, value: uint(reply.observe) });
  if (reply.format !== undefined) options.push({ number: 12, value: uint(reply.format) });
  for (const o of reply.extraOptions ?? []) options.push({ number: o.number, value: o.value });
  return options;
}

function toBuffer(payload: Buffer | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}
