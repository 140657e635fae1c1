import type { Socket } from 'node:dgram';
import { openConnectedSocket } from '../common/connected-socket.js';
import { generatePacket, MsgType, parsePacket, type MqttSnPacket } from '../../src/mqttsn/codec/index.js';
import { msgTypeOf } from './wire.js';

/**
 * One simulated MQTT-SN client with its own UDP socket (bound to a loopback
 * address, port 0, connected to the gateway so sends skip address lookup).
 *
 * Control plane (CONNECT, REGISTER, SUBSCRIBE, ...) is lockstep: `request()`
 * sends and resolves with the first datagram of the expected type; the pool's
 * single sweep (see client-pool.ts) rejects requests that outlive their deadline.
 * Data plane is `onDatagram`: a plain callback the scenarios install for their
 * hot loops (no promise, no parse per datagram).
 */
export interface SnLoadClientOptions {
  readonly index: number;
  readonly clientId: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  /** Loopback source address, e.g. 127.0.0.1 (127.0.0.2.. to get past the ephemeral port range). */
  readonly localHost: string;
}

interface Waiter {
  readonly type: number;
  readonly msgId: number | undefined;
  readonly expiresAt: number;
  readonly resolve: (msg: Buffer) => void;
  readonly reject: (err: Error) => void;
}

export class SnLoadClient {
  readonly index: number;
  readonly clientId: string;
  /** Datagrams no `request()` waits for. Replaced freely by scenarios. */
  onDatagram: ((msg: Buffer) => void) | undefined;
  /** Topic id the gateway assigned to this client's registered topic (REGACK / SUBACK). */
  topicId = 0;
  /** Datagrams that could not be parsed or were unexpected. */
  unexpected = 0;
  /** Gateway-initiated DISCONNECTs seen outside a request. */
  disconnectedByGateway = 0;
  #socket: Socket;
  #waiter: Waiter | undefined;
  #closed = false;
  #nextMsgId = 1;

  private constructor(opts: SnLoadClientOptions, socket: Socket) {
    this.index = opts.index;
    this.clientId = opts.clientId;
    this.#socket = socket;
    socket.on('message', (msg: Buffer) => this.#onMessage(msg));
    // ICMP port unreachable on a connected socket surfaces as an error; the request deadline reports it.
    socket.on('error', () => undefined);
  }

  static async open(opts: SnLoadClientOptions): Promise<SnLoadClient> {
    const socket = await openConnectedSocket(opts.localHost, opts.gatewayHost, opts.gatewayPort);
    return new SnLoadClient(opts, socket);
  }

  /** Fire-and-forget send of a prepared datagram. */
  send(buf: Buffer): void {
    if (!this.#closed) this.#socket.send(buf);
  }

  sendPacket(packet: MqttSnPacket): void {
    this.send(generatePacket(packet));
  }

  /** Next message id 1..0xFFFF for control-plane requests. */
  nextMsgId(): number {
    const id = this.#nextMsgId;
    this.#nextMsgId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /**
   * Sends `packet` and resolves with the first datagram of `expectType` (with that `msgId`,
   * when given; matched on the parsed packet, control plane only). Rejects once `timeoutMs`
   * passed, via the pool's sweep.
   */
  request(packet: MqttSnPacket | Buffer, expectType: number, timeoutMs: number, msgId?: number): Promise<Buffer> {
    if (this.#waiter) return Promise.reject(new Error(`client ${this.clientId}: a request is already pending`));
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiter = { type: expectType, msgId, expiresAt: performance.now() + timeoutMs, resolve, reject };
      this.send(Buffer.isBuffer(packet) ? packet : generatePacket(packet));
    });
  }

  /** Waits for a datagram of `expectType` without sending anything. */
  expect(expectType: number, timeoutMs: number): Promise<Buffer> {
    if (this.#waiter) return Promise.reject(new Error(`client ${this.clientId}: a request is already pending`));
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiter = { type: expectType, msgId: undefined, expiresAt: performance.now() + timeoutMs, resolve, reject };
    });
  }

  /** Called by the pool sweep: rejects a request whose deadline passed. */
  expire(now: number): void {
    const w = this.#waiter;
    if (w && now >= w.expiresAt) {
      this.#waiter = undefined;
      w.reject(new Error(`timed out waiting for message type 0x${w.type.toString(16)}`));
    }
  }

  get pending(): boolean {
    return this.#waiter !== undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(new Error('client closed'));
    this.#socket.close();
  }

  #onMessage(msg: Buffer): void {
    const type = msgTypeOf(msg);
    const w = this.#waiter;
    if (w && type === w.type && (w.msgId === undefined || this.#msgIdMatches(msg, w.msgId))) {
      this.#waiter = undefined;
      w.resolve(msg);
      return;
    }
    if (type === MsgType.REGISTER) {
      // §6.10: the gateway registers a topic before publishing on it; accept every one.
      this.#answerRegister(msg);
      return;
    }
    if (this.onDatagram) {
      this.onDatagram(msg);
      return;
    }
    if (type === MsgType.DISCONNECT) this.disconnectedByGateway++;
    else this.unexpected++;
  }

  #msgIdMatches(msg: Buffer, msgId: number): boolean {
    try {
      const p = parsePacket(msg);
      return 'msgId' in p ? p.msgId === msgId : true;
    } catch {
      return false;
    }
  }

  #answerRegister(msg: Buffer): void {
    try {
      const p = parsePacket(msg);
      if (p.type !== MsgType.REGISTER) return;
      this.sendPacket({ type: MsgType.REGACK, topicId: p.topicId, msgId: p.msgId, returnCode: 0 });
    } catch {
      this.unexpected++;
    }
  }
}
