import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { TimeoutError } from '../../src/errors.js';
import {
  type ConnAck,
  generatePacket,
  MsgType,
  type MqttSnPacket,
  msgTypeName,
  parsePacket,
  type SnQos,
  type SubAck,
  type TopicRef,
} from '../../src/mqttsn/codec/index.js';

/** The member of the packet union whose `type` is T. */
export type PacketOfType<T extends MqttSnPacket['type']> = Extract<MqttSnPacket, { readonly type: T }>;

export interface SnTestClientOptions {
  /** Gateway host; default 127.0.0.1. */
  readonly host?: string;
  /**
   * Forwarder mode (MQTT-SN v1.2 §5.5): every send is wrapped in an encapsulation frame carrying
   * `nodeId`; every reply must come back encapsulated with the same node id and is unwrapped.
   */
  readonly forwarder?: { readonly nodeId: Buffer; readonly radius?: number };
  /** Default timeout of next()/expect(); default 2000 ms. */
  readonly timeoutMs?: number;
}

export interface ConnectOptions {
  /** Keepalive seconds; default 60. */
  readonly duration?: number;
  /** Default true. */
  readonly cleanSession?: boolean;
  /** Runs the will handshake (WILLTOPICREQ / WILLTOPIC / WILLMSGREQ / WILLMSG, §6.3). */
  readonly will?: { readonly topic: string; readonly message: Buffer | string; readonly qos?: 0 | 1 | 2; readonly retain?: boolean };
  /** ProtocolId; default 0x01. */
  readonly protocolId?: number;
}

/** One received datagram: the (unwrapped) packet, or why it could not be used. */
type Received = { readonly packet: MqttSnPacket } | { readonly problem: string };

interface Waiter {
  readonly resolve: (item: Received) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Scripted lockstep MQTT-SN client over a real UDP socket bound to 127.0.0.1:0, for integration
 * tests and benchmarks. Received datagrams are queued in arrival order; `next()` / `expect()` take
 * them one at a time, and fail with a message showing what arrived instead of what was expected.
 * Only one `next()`/`expect()` may be pending at a time.
 */
export class SnTestClient {
  readonly #socket: Socket;
  readonly #gatewayPort: number;
  readonly #options: SnTestClientOptions;
  readonly #host: string;
  readonly #queue: Received[] = [];
  #waiter: Waiter | undefined;
  #closed = false;
  #msgId = 0;
  #clientId: string | undefined;

  private constructor(socket: Socket, gatewayPort: number, options: SnTestClientOptions) {
    this.#socket = socket;
    this.#gatewayPort = gatewayPort;
    this.#options = options;
    this.#host = options.host ?? '127.0.0.1';
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    socket.on('error', () => undefined);
  }

  static async open(gatewayPort: number, opts: SnTestClientOptions = {}): Promise<SnTestClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new SnTestClient(socket, gatewayPort, opts);
  }

  /** The local UDP port this client sends from. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** The client id of the last connect(), carried over by rebind(). */
  get clientId(): string | undefined {
    return this.#clientId;
  }

  /** Next MsgId, 1..65535 then wrapping to 1. */
  nextMsgId(): number {
    this.#msgId = this.#msgId >= 0xffff ? 1 : this.#msgId + 1;
    return this.#msgId;
  }

  /**
   * A second client on a NEW local port, same gateway, same options, same client id and MsgId
   * counter: what a gateway sees after a NAT rebinding. This client stays open; close it yourself.
   */
  async rebind(): Promise<SnTestClient> {
    const other = await SnTestClient.open(this.#gatewayPort, this.#options);
    other.#clientId = this.#clientId;
    other.#msgId = this.#msgId;
    return other;
  }

  /** Sends one packet (wrapped in an encapsulation frame in forwarder mode). */
  async send(packet: MqttSnPacket): Promise<void> {
    const fwd = this.#options.forwarder;
    const wire =
      fwd === undefined || packet.type === MsgType.ENCAPSULATED
        ? generatePacket(packet)
        : generatePacket({ type: MsgType.ENCAPSULATED, radius: fwd.radius ?? 0, wirelessNodeId: fwd.nodeId, message: packet });
    await this.sendRaw(wire);
  }

  /** Sends raw octets as they are (no encapsulation even in forwarder mode). */
  sendRaw(buf: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('SnTestClient is closed'));
    return new Promise((resolve, reject) => {
      this.#socket.send(buf, this.#gatewayPort, this.#host, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The next received packet (already unwrapped in forwarder mode). */
  async next(timeoutMs?: number): Promise<MqttSnPacket> {
    const item = await this.#take(timeoutMs ?? this.#options.timeoutMs ?? 2000, 'a packet');
    if ('problem' in item) throw new Error(`expected a packet but received ${item.problem}`);
    return item.packet;
  }

  /** The next received packet, which must be of `type` when given; typed accordingly. */
  async expect<T extends MqttSnPacket['type']>(type?: T, timeoutMs?: number): Promise<PacketOfType<T>> {
    const wanted = type === undefined ? 'a packet' : msgTypeName(type);
    const item = await this.#take(timeoutMs ?? this.#options.timeoutMs ?? 2000, wanted);
    if ('problem' in item) throw new Error(`expected ${wanted} but received ${item.problem}`);
    if (type !== undefined && item.packet.type !== type) {
      throw new Error(`expected ${wanted} but received ${describePacket(item.packet)}`);
    }
    return item.packet as PacketOfType<T>;
  }

  /** Waits `ms` and fails if anything arrived (or was already queued). */
  async expectNothing(ms: number): Promise<void> {
    this.#assertQueueEmpty(0);
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.#assertQueueEmpty(ms);
  }

  /** CONNECT (with the will handshake when asked) -> CONNACK accepted. Returns the CONNACK. */
  async connect(clientId: string, opts: ConnectOptions = {}): Promise<ConnAck> {
    this.#clientId = clientId;
    await this.send({
      type: MsgType.CONNECT,
      will: opts.will !== undefined,
      cleanSession: opts.cleanSession ?? true,
      protocolId: opts.protocolId ?? 0x01,
      duration: opts.duration ?? 60,
      clientId,
    });
    if (opts.will !== undefined) {
      await this.expect(MsgType.WILLTOPICREQ);
      await this.send({ type: MsgType.WILLTOPIC, qos: opts.will.qos ?? 0, retain: opts.will.retain ?? false, topic: opts.will.topic });
      await this.expect(MsgType.WILLMSGREQ);
      const message = typeof opts.will.message === 'string' ? Buffer.from(opts.will.message) : opts.will.message;
      await this.send({ type: MsgType.WILLMSG, message });
    }
    const ack = await this.expect(MsgType.CONNACK);
    if (ack.returnCode !== 0) throw new Error(`CONNECT ${clientId}: CONNACK return code 0x${ack.returnCode.toString(16)}`);
    return ack;
  }

  /** REGISTER -> REGACK accepted with the same MsgId; returns the topic id. */
  async register(topicName: string): Promise<number> {
    const msgId = this.nextMsgId();
    await this.send({ type: MsgType.REGISTER, topicId: 0, msgId, topicName });
    const ack = await this.expect(MsgType.REGACK);
    if (ack.msgId !== msgId) throw new Error(`REGISTER ${topicName}: REGACK MsgId ${ack.msgId}, expected ${msgId}`);
    if (ack.returnCode !== 0) throw new Error(`REGISTER ${topicName}: REGACK return code 0x${ack.returnCode.toString(16)}`);
    return ack.topicId;
  }

  /** SUBSCRIBE (a string is a topic name) -> SUBACK with the same MsgId; returns the SUBACK (any return code). */
  async subscribe(topic: string | TopicRef, qos: SnQos = 0): Promise<SubAck> {
    const msgId = this.nextMsgId();
    const ref: TopicRef = typeof topic === 'string' ? { kind: 'name', name: topic } : topic;
    await this.send({ type: MsgType.SUBSCRIBE, dup: false, qos, msgId, topic: ref });
    const ack = await this.expect(MsgType.SUBACK);
    if (ack.msgId !== msgId) throw new Error(`SUBSCRIBE: SUBACK MsgId ${ack.msgId}, expected ${msgId}`);
    return ack;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      clearTimeout(waiter.timer);
      waiter.reject(new Error('SnTestClient closed while waiting for a packet'));
    }
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #assertQueueEmpty(afterMs: number): void {
    const first = this.#queue[0];
    if (first === undefined) return;
    const what = 'problem' in first ? first.problem : describePacket(first.packet);
    throw new Error(`expected nothing${afterMs > 0 ? ` for ${afterMs} ms` : ''} but received ${what}`);
  }

  #take(timeoutMs: number, wanted: string): Promise<Received> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(new Error('SnTestClient is closed'));
    if (this.#waiter !== undefined) return Promise.reject(new Error('SnTestClient: next()/expect() already pending (lockstep)'));
    return new Promise<Received>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new TimeoutError(`expected ${wanted} within ${timeoutMs} ms, nothing arrived`, { port: this.port }));
      }, timeoutMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const item = this.#decode(msg, rinfo);
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#queue.push(item);
      return;
    }
    this.#waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(item);
  }

  #decode(msg: Buffer, rinfo: RemoteInfo): Received {
    if (rinfo.port !== this.#gatewayPort) {
      return { problem: `a datagram from unexpected sender ${rinfo.address}:${rinfo.port} (${msg.toString('hex')})` };
    }
    let packet: MqttSnPacket;
    try {
      packet = parsePacket(msg);
    } catch (err) {
      return { problem: `unparseable datagram ${msg.toString('hex')} (${err instanceof Error ? err.message : String(err)})` };
    }
    const fwd = this.#options.forwarder;
    if (fwd === undefined) return { packet };
    if (packet.type !== MsgType.ENCAPSULATED) {
      return { problem: `${describePacket(packet)} not encapsulated (forwarder mode expects node id ${fwd.nodeId.toString('hex')})` };
    }
    if (!packet.wirelessNodeId.equals(fwd.nodeId)) {
      return {
        problem: `${describePacket(packet.message)} encapsulated for node id ${packet.wirelessNodeId.toString('hex')}, expected ${fwd.nodeId.toString('hex')}`,
      };
    }
    return { packet: packet.message };
  }
}

/** `CONNACK {"returnCode":3}`: the type name and the fields, Buffers in hex. */
export function describePacket(packet: MqttSnPacket): string {
  const { type, ...fields } = packet;
  const text = JSON.stringify(fields, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && 'type' in value && value.type === 'Buffer' && 'data' in value && Array.isArray(value.data)) {
      return `0x${Buffer.from(value.data as number[]).toString('hex')}`;
    }
    return value;
  });
  return text === '{}' ? msgTypeName(type) : `${msgTypeName(type)} ${text}`;
}
