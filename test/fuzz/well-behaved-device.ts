import { createSocket, type Socket } from 'node:dgram';
import { encodeCoap, type CoapOption } from './coap-datagrams.js';

/**
 * A well-behaved LwM2M device that keeps working while the gateway is
 * fuzzed: it registers (retransmitting its CON Register as RFC 7252 §4.2
 * asks, same message id), then answers every request of the gateway with
 * 2.05 Content (text, the request's path echoed) — the same answer again for
 * a retransmitted request.
 */
export class WellBehavedDevice {
  readonly endpoint: string;
  /** Requests answered (retransmissions included). */
  answered = 0;
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  #registered: (() => void) | undefined;
  #registerMid = 0;
  #closed = false;

  private constructor(socket: Socket, host: string, port: number, endpoint: string) {
    this.#socket = socket;
    this.#host = host;
    this.#port = port;
    this.endpoint = endpoint;
    socket.on('message', (msg) => this.#onDatagram(msg));
  }

  static async start(host: string, port: number, endpoint: string, retryMs = 1000): Promise<WellBehavedDevice> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const device = new WellBehavedDevice(socket, host, port, endpoint);
    await device.#register(retryMs);
    return device;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #register(retryMs: number): Promise<void> {
    this.#registerMid = Math.floor(Math.random() * 0xffff);
    const options: CoapOption[] = [
      { number: 11, value: Buffer.from('rd') },
      { number: 12, value: Buffer.from([40]) },
      { number: 15, value: Buffer.from(`ep=${this.endpoint}`) },
      { number: 15, value: Buffer.from('lt=86400') },
      { number: 15, value: Buffer.from('lwm2m=1.0') },
    ];
    const datagram = encodeCoap({ type: 0, code: 2, mid: this.#registerMid, token: Buffer.from([7, 7, 7, 7]), options, payload: Buffer.from('</1/0>,</3/0>') });
    return new Promise((resolve, reject) => {
      let tries = 0;
      const attempt = (): void => {
        if (tries >= 30 || this.#closed) {
          clearInterval(timer);
          reject(new Error(`${this.endpoint}: Register not answered after ${tries} tries`));
          return;
        }
        tries += 1;
        this.#socket.send(datagram, this.#port, this.#host);
      };
      const timer = setInterval(attempt, retryMs);
      this.#registered = () => {
        clearInterval(timer);
        resolve();
      };
      attempt();
    });
  }

  #onDatagram(msg: Buffer): void {
    if (msg.length < 4 || msg[0] >> 6 !== 1) return;
    const type = (msg[0] >> 4) & 0x03;
    const tkl = msg[0] & 0x0f;
    const code = msg[1];
    const mid = msg.readUInt16BE(2);
    if (tkl > 8) return;
    const token = Buffer.from(msg.subarray(4, 4 + tkl));
    if (type === 2 && mid === this.#registerMid && code === 0x41) {
      this.#registered?.();
      this.#registered = undefined;
      return;
    }
    if (type !== 0 || code < 1 || code > 31) return; // only CON requests are answered
    const path: string[] = [];
    let at = 4 + tkl;
    let number = 0;
    while (at < msg.length && msg[at] !== 0xff) {
      const head = msg[at];
      at += 1;
      let delta = head >> 4;
      let length = head & 0x0f;
      if (delta === 13) delta = 13 + msg[at++];
      if (length === 13) length = 13 + msg[at++];
      number += delta;
      if (number === 11) path.push(msg.subarray(at, at + length).toString());
      at += length;
    }
    this.answered += 1;
    // Piggy-backed 2.05 Content, text/plain (RFC 7252 §5.2.1).
    const answer = encodeCoap({
      type: 2,
      code: 0x45,
      mid,
      token,
      options: [{ number: 12, value: Buffer.alloc(0) }],
      payload: Buffer.from(`v/${path.join('/')}`),
    });
    this.#socket.send(answer, this.#port, this.#host);
  }
}
