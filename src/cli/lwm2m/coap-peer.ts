import { randomBytes, randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { openLink, type DatagramLink } from '../datagram-link.js';
import type { PskCredentials } from '../psk-options.js';
import {
  CoapOption,
  decodeMessage,
  encodeMessage,
  EMPTY,
  isRequestCode,
  uintOption,
  type CoapMessage,
  type CoapOptionValue,
} from '../../lwm2m/coap/message.js';

/** RFC 7252 §4.8 transmission parameters (defaults). */
const ACK_TIMEOUT_MS = 2000;
const ACK_RANDOM_FACTOR = 1.5;
const MAX_RETRANSMIT = 4;
/** Answers kept for duplicate requests (RFC 7252 §4.5); a device sees few requests at a time. */
const DEDUP_ENTRIES = 64;

export class CoapTimeoutError extends Error {
  override readonly name = 'CoapTimeoutError';
}

export interface RequestSpec {
  readonly code: string;
  readonly path: readonly string[];
  readonly query?: readonly string[];
  readonly format?: number;
  readonly payload?: Buffer;
}

export interface Answer {
  readonly code: string;
  readonly format?: number | undefined;
  readonly payload?: Buffer | undefined;
  readonly options?: readonly CoapOptionValue[];
}

/**
 * The device's side of CoAP over UDP (RFC 7252): confirmable requests to the
 * server with retransmission (§4.2) and piggy-backed or separate responses,
 * incoming requests answered piggy-backed on the ACK, duplicates answered
 * from a small cache (§4.5), confirmable notifications (RFC 7641 §4.5).
 */
export class CoapPeer {
  readonly #link: DatagramLink;
  readonly #host: string;
  readonly #port: number;
  readonly #pendingAcks = new Map<number, (m: CoapMessage) => void>();
  readonly #pendingTokens = new Map<string, (m: CoapMessage) => void>();
  readonly #answered = new Map<number, Buffer>();
  #mid = randomInt(0, 0x10000);
  #closed = false;
  /** Incoming requests; the result is sent piggy-backed on the ACK. */
  onRequest: (req: CoapMessage) => Answer = () => ({ code: '5.01' });
  /** A RST to a confirmable notification: the server cancelled the observation (RFC 7641 §3.6). */
  onReset: (token: Buffer) => void = () => undefined;
  /** Whether an incoming datagram is taken (false = asleep in queue mode: dropped). */
  listening = true;

  private constructor(link: DatagramLink, host: string, port: number) {
    this.#link = link;
    this.#host = host;
    this.#port = port;
    // Only the server speaks to this device; the link ignores datagrams from anyone else.
    link.onDatagram = (buf) => this.#onDatagram(buf);
  }

  /** With `psk`: CoAP over DTLS (RFC 7252 §9.1), the handshake done before this resolves. */
  static async open(serverHost: string, port: number, psk?: PskCredentials): Promise<CoapPeer> {
    const host = isIP(serverHost) !== 0 ? serverHost : (await lookup(serverHost)).address;
    return new CoapPeer(await openLink(host, port, psk), host, port);
  }

  get localPort(): number {
    return this.#link.localPort;
  }

  #nextMid(): number {
    this.#mid = (this.#mid + 1) & 0xffff;
    return this.#mid;
  }

  #send(msg: CoapMessage): void {
    if (!this.#closed) this.#link.send(encodeMessage(msg));
  }

  /** A confirmable request; resolves with the response (piggy-backed or separate, RFC 7252 §5.2). */
  request(spec: RequestSpec): Promise<CoapMessage> {
    const options: CoapOptionValue[] = [
      ...spec.path.map((p) => ({ number: CoapOption.URI_PATH, value: Buffer.from(p) })),
      ...(spec.format === undefined ? [] : [{ number: CoapOption.CONTENT_FORMAT, value: uintOption(spec.format) }]),
      ...(spec.query ?? []).map((q) => ({ number: CoapOption.URI_QUERY, value: Buffer.from(q) })),
    ];
    const token = randomBytes(4);
    return new Promise<CoapMessage>((resolve, reject) => {
      const key = token.toString('hex');
      const sent = this.#confirmable({ type: 'CON', code: spec.code, messageId: 0, token, options, payload: spec.payload ?? EMPTY }, (ack) => {
        if (ack.type === 'RST') {
          this.#pendingTokens.delete(key);
          reject(new Error(`${spec.code} /${spec.path.join('/')} was reset by the server`));
        } else if (ack.code !== '0.00') {
          this.#pendingTokens.delete(key);
          resolve(ack);
        }
      });
      this.#pendingTokens.set(key, (m) => {
        this.#pendingTokens.delete(key);
        resolve(m);
      });
      sent.catch((err: unknown) => {
        this.#pendingTokens.delete(key);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /** A notification (RFC 7641 §4.2); confirmable ones resolve on ACK and reject on timeout. */
  notify(token: Buffer, observe: number, answer: Answer, confirmable: boolean): Promise<void> {
    const msg: CoapMessage = {
      type: confirmable ? 'CON' : 'NON',
      code: answer.code,
      messageId: 0,
      token,
      options: [{ number: CoapOption.OBSERVE, value: uintOption(observe & 0xffffff) }, ...formatOption(answer.format)],
      payload: answer.payload ?? EMPTY,
    };
    if (!confirmable) {
      this.#send({ ...msg, messageId: this.#nextMid() });
      return Promise.resolve();
    }
    return this.#confirmable(msg, (ack) => {
      if (ack.type === 'RST') this.onReset(token);
    }).then(() => undefined);
  }

  /** Sends a CON, retransmits with exponential back-off (RFC 7252 §4.2) until ACK or RST. */
  #confirmable(msg: CoapMessage, onAck: (ack: CoapMessage) => void): Promise<CoapMessage> {
    const messageId = this.#nextMid();
    const wire: CoapMessage = { ...msg, messageId };
    return new Promise<CoapMessage>((resolve, reject) => {
      let attempt = 0;
      let timeout = ACK_TIMEOUT_MS * (1 + Math.random() * (ACK_RANDOM_FACTOR - 1));
      let timer: NodeJS.Timeout;
      const arm = (): void => {
        timer = setTimeout(() => {
          if (attempt >= MAX_RETRANSMIT || this.#closed) {
            this.#pendingAcks.delete(messageId);
            reject(new CoapTimeoutError(`no answer from ${this.#host}:${this.#port} to ${msg.code} after ${MAX_RETRANSMIT + 1} attempts`));
            return;
          }
          attempt += 1;
          timeout *= 2;
          this.#send(wire);
          arm();
        }, timeout);
      };
      this.#pendingAcks.set(messageId, (ack) => {
        clearTimeout(timer);
        this.#pendingAcks.delete(messageId);
        onAck(ack);
        resolve(ack);
      });
      this.#send(wire);
      arm();
    });
  }

  #onDatagram(buf: Buffer): void {
    if (!this.listening) return;
    let msg: CoapMessage;
    try {
      msg = decodeMessage(buf);
    } catch {
      return;
    }
    if (msg.type === 'ACK' || msg.type === 'RST') {
      this.#pendingAcks.get(msg.messageId)?.(msg);
      return;
    }
    if (isRequestCode(msg.code)) {
      this.#answerRequest(msg);
      return;
    }
    if (msg.code === '0.00') {
      // CoAP ping (RFC 7252 §4.3): answered with RST.
      if (msg.type === 'CON') this.#send({ type: 'RST', code: '0.00', messageId: msg.messageId, token: EMPTY, options: [], payload: EMPTY });
      return;
    }
    // A separate response (RFC 7252 §5.2.2): acknowledge a CON, hand it to the request waiting on its token.
    if (msg.type === 'CON') this.#send({ type: 'ACK', code: '0.00', messageId: msg.messageId, token: EMPTY, options: [], payload: EMPTY });
    this.#pendingTokens.get(msg.token.toString('hex'))?.(msg);
  }

  #answerRequest(req: CoapMessage): void {
    const cached = req.type === 'CON' ? this.#answered.get(req.messageId) : undefined;
    if (cached !== undefined) {
      this.#link.send(cached);
      return;
    }
    let answer: Answer;
    try {
      answer = this.onRequest(req);
    } catch {
      answer = { code: '5.00' };
    }
    const response: CoapMessage = {
      type: req.type === 'CON' ? 'ACK' : 'NON',
      code: answer.code,
      messageId: req.type === 'CON' ? req.messageId : this.#nextMid(),
      token: req.token,
      options: [...(answer.options ?? []), ...formatOption(answer.format)].sort((a, b) => a.number - b.number),
      payload: answer.payload ?? EMPTY,
    };
    const wire = encodeMessage(response);
    if (req.type === 'CON') {
      this.#answered.set(req.messageId, wire);
      if (this.#answered.size > DEDUP_ENTRIES) this.#answered.delete(this.#answered.keys().next().value as number);
    }
    if (!this.#closed) this.#link.send(wire);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#link.close();
  }
}

function formatOption(format: number | undefined): CoapOptionValue[] {
  return format === undefined ? [] : [{ number: CoapOption.CONTENT_FORMAT, value: uintOption(format) }];
}
