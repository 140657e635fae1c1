import type { Socket } from 'node:dgram';
import { openConnectedSocket } from '../common/connected-socket.js';
import { generate, parse, type ParsedPacket } from 'coap-packet';
import { tlvForPath } from './tlv.js';

/**
 * One simulated LwM2M 1.0 device with its own UDP socket (connected to the gateway).
 * It registers (RFC 7252 CON POST /rd, LwM2M 1.0 TS §5.3.1), answers the gateway's
 * requests with TLV (Read, Observe, Write, Execute, Delete), and sends observe
 * notifications (RFC 7641 §4.2) on demand.
 */
export interface SimDeviceOptions {
  readonly index: number;
  readonly endpoint: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly localHost: string;
}

interface Waiter {
  readonly messageId: number;
  readonly token: Buffer;
  readonly expiresAt: number;
  readonly resolve: (p: ParsedPacket) => void;
  readonly reject: (err: Error) => void;
}

const CONTENT_FORMAT_TLV = Buffer.from([0x2d, 0x16]); // 11542
const CONTENT_FORMAT_LINK = Buffer.from([40]);
const EMPTY = Buffer.alloc(0);

function observeValue(seq: number): Buffer {
  if (seq === 0) return EMPTY;
  if (seq <= 0xff) return Buffer.from([seq]);
  if (seq <= 0xffff) return Buffer.from([seq >> 8, seq & 0xff]);
  return Buffer.from([(seq >> 16) & 0xff, (seq >> 8) & 0xff, seq & 0xff]);
}

function uriPath(p: ParsedPacket): string[] {
  const out: string[] = [];
  for (const o of p.options) if (o.name === 'Uri-Path') out.push(o.value.toString('utf8'));
  return out;
}

export class SimDevice {
  readonly index: number;
  readonly endpoint: string;
  /** Location-Path of the registration (e.g. ['rd', '<id>']). */
  location: string[] = [];
  /** Requests the gateway sent to this device, by CoAP method. */
  reads = 0;
  writes = 0;
  observesStarted = 0;
  malformed = 0;
  /** Path -> token of an active observation. */
  readonly observations = new Map<string, { token: Buffer; segments: number[] }>();
  #socket: Socket;
  #waiter: Waiter | undefined;
  #messageId: number;
  #observeSeq = 1;
  #counter = 0;
  #closed = false;

  private constructor(opts: SimDeviceOptions, socket: Socket) {
    this.index = opts.index;
    this.endpoint = opts.endpoint;
    this.#socket = socket;
    this.#messageId = (opts.index * 7919) & 0xffff;
    socket.on('message', (msg: Buffer) => this.#onMessage(msg));
    socket.on('error', () => undefined);
  }

  static async open(opts: SimDeviceOptions): Promise<SimDevice> {
    const socket = await openConnectedSocket(opts.localHost, opts.gatewayHost, opts.gatewayPort);
    return new SimDevice(opts, socket);
  }

  #nextMessageId(): number {
    this.#messageId = (this.#messageId + 1) & 0xffff;
    return this.#messageId;
  }

  /** LwM2M 1.0 TS §5.3.1 Register: POST /rd?ep=&lt=&lwm2m=1.0&b=U with the object list; expects 2.01. */
  async register(lifetimeS: number, objectLinks: string, timeoutMs: number): Promise<void> {
    const res = await this.#request(
      'POST',
      ['rd'],
      [`ep=${this.endpoint}`, `lt=${lifetimeS}`, 'lwm2m=1.0', 'b=U'],
      [{ name: 'Content-Format', value: CONTENT_FORMAT_LINK }],
      Buffer.from(objectLinks),
      timeoutMs,
    );
    if (res.code !== '2.01') throw new Error(`register answered ${res.code}`);
    this.location = res.options.filter((o) => o.name === 'Location-Path').map((o) => o.value.toString('utf8'));
  }

  /** §5.3.2 Update: POST /<location>?lt= (no payload); expects 2.04. */
  async update(lifetimeS: number, timeoutMs: number): Promise<void> {
    if (this.location.length === 0) throw new Error('update before register');
    const res = await this.#request('POST', this.location, [`lt=${lifetimeS}`], [], EMPTY, timeoutMs);
    if (res.code !== '2.04') throw new Error(`update answered ${res.code}`);
  }

  /** §5.3.3 De-register: DELETE /<location>; expects 2.02. */
  async deregister(timeoutMs: number): Promise<void> {
    if (this.location.length === 0) return;
    const res = await this.#request('DELETE', this.location, [], [], EMPTY, timeoutMs);
    if (res.code !== '2.02') throw new Error(`de-register answered ${res.code}`);
    this.location = [];
  }

  /** RFC 7641 §4.2: a NON 2.05 notification for every active observation (or just `path`). Returns how many were sent. */
  notify(path?: string): number {
    let sent = 0;
    for (const [p, obs] of this.observations) {
      if (path !== undefined && p !== path) continue;
      const seq = (this.#observeSeq = (this.#observeSeq + 1) & 0xffffff);
      this.#send(
        generate({
          confirmable: false,
          code: '2.05',
          messageId: this.#nextMessageId(),
          token: obs.token,
          options: [
            { name: 'Observe', value: observeValue(seq) },
            { name: 'Content-Format', value: CONTENT_FORMAT_TLV },
          ],
          payload: tlvForPath(obs.segments, ++this.#counter),
        }),
      );
      sent++;
    }
    return sent;
  }

  get pending(): boolean {
    return this.#waiter !== undefined;
  }

  expire(now: number): void {
    const w = this.#waiter;
    if (w && now >= w.expiresAt) {
      this.#waiter = undefined;
      w.reject(new Error('timed out waiting for the gateway'));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(new Error('device closed'));
    this.#socket.close();
  }

  #send(buf: Buffer): void {
    if (!this.#closed) this.#socket.send(buf);
  }

  #request(
    method: 'POST' | 'DELETE',
    path: string[],
    query: string[],
    extra: { name: 'Content-Format'; value: Buffer }[],
    payload: Buffer,
    timeoutMs: number,
  ): Promise<ParsedPacket> {
    if (this.#waiter) return Promise.reject(new Error(`device ${this.endpoint}: a request is already pending`));
    const messageId = this.#nextMessageId();
    const token = Buffer.from([this.index >> 24, this.index >> 16, this.index >> 8, this.index, messageId >> 8, messageId]);
    const options = [
      ...path.map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })),
      ...query.map((q) => ({ name: 'Uri-Query' as const, value: Buffer.from(q) })),
      ...extra,
    ];
    return new Promise<ParsedPacket>((resolve, reject) => {
      this.#waiter = { messageId, token, expiresAt: performance.now() + timeoutMs, resolve, reject };
      this.#send(generate({ confirmable: true, code: method, messageId, token, options, payload }));
    });
  }

  #onMessage(msg: Buffer): void {
    let p: ParsedPacket;
    try {
      p = parse(msg);
    } catch {
      this.malformed++;
      return;
    }
    const w = this.#waiter;
    const isResponse = p.code.startsWith('2.') || p.code.startsWith('4.') || p.code.startsWith('5.');
    if (w && (p.ack || p.reset) && p.messageId === w.messageId) {
      if (p.reset) {
        this.#waiter = undefined;
        w.reject(new Error('gateway answered RST'));
      } else if (p.code !== '0.00') {
        this.#waiter = undefined;
        w.resolve(p);
      }
      // Empty ACK: RFC 7252 §5.2.2 separate response follows; keep waiting on the token.
      return;
    }
    if (w && isResponse && p.token.equals(w.token)) {
      this.#waiter = undefined;
      if (p.confirmable) this.#send(generate({ ack: true, code: '0.00', messageId: p.messageId }));
      w.resolve(p);
      return;
    }
    if (isResponse || p.ack || p.reset) return;
    this.#answer(p);
  }

  /** Answers a request from the gateway (piggy-backed ACK for CON, NON for NON). */
  #answer(req: ParsedPacket): void {
    const segments = uriPath(req).map(Number);
    const key = '/' + segments.join('/');
    let code = '2.05';
    let payload: Buffer = EMPTY;
    const options: { name: 'Observe' | 'Content-Format'; value: Buffer }[] = [];
    switch (req.code) {
      case '0.01': {
        // GET: Read, or Observe (RFC 7641 §2: Observe 0 = register, 1 = deregister).
        const obs = req.options.find((o) => o.name === 'Observe');
        if (obs && (obs.value.length === 0 || obs.value[0] === 0)) {
          this.observations.set(key, { token: Buffer.from(req.token), segments });
          this.observesStarted++;
          options.push({ name: 'Observe', value: observeValue(this.#observeSeq) });
        } else {
          if (obs) this.observations.delete(key);
          this.reads++;
        }
        options.push({ name: 'Content-Format', value: CONTENT_FORMAT_TLV });
        payload = tlvForPath(segments, ++this.#counter);
        break;
      }
      case '0.02': // POST: Execute / Create / partial Write
      case '0.03': // PUT: Write / Write-Attributes
        this.writes++;
        code = '2.04';
        break;
      case '0.04':
        code = '2.02';
        break;
      default:
        code = '4.05';
    }
    this.#send(
      generate({
        confirmable: false,
        ack: req.confirmable,
        code,
        messageId: req.confirmable ? req.messageId : this.#nextMessageId(),
        token: req.token,
        options,
        payload,
      }),
    );
  }
}
