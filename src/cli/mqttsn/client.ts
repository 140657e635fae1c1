import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { generatePacket, MsgType, parsePacket, type MqttSnPacket, type Publish, type SnQos, type TopicRef } from '../../mqttsn/codec/index.js';
import { openLink, type DatagramLink } from '../datagram-link.js';
import type { PskCredentials } from '../psk-options.js';
import { describePacket, returnCodeText } from './describe.js';

export class SnClientError extends Error {
  override readonly name = 'SnClientError';
}

export interface SnClientOptions {
  readonly host: string;
  readonly port: number;
  /** Forwarder encapsulation (MQTT-SN v1.2 §5.5): every message wrapped with this wireless node id. */
  readonly nodeId?: Buffer | undefined;
  /** Called with one line per packet sent (`->`) and received (`<-`): `-d`. */
  readonly debug?: ((line: string) => void) | undefined;
  /** T_RETRY (MQTT-SN v1.2 §6.13); default 3 s, shorter than the spec's 10..15 s for interactive use. */
  readonly retryMs?: number;
  /** N_RETRY; default 3. */
  readonly retries?: number;
  /** DTLS with this pre-shared key (the gateway's `mqttsn.listeners.dtls`); plain UDP without. */
  readonly psk?: PskCredentials | undefined;
  /** DTLS: the handshake fails after this long (default 10 s). */
  readonly handshakeTimeoutMs?: number | undefined;
}

export interface WillOptions {
  readonly topic: string;
  readonly message: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
}

export interface ConnectOptions {
  readonly clientId: string;
  readonly keepAlive: number;
  readonly cleanSession: boolean;
  readonly will?: WillOptions | undefined;
}

interface Waiter {
  readonly match: (packet: MqttSnPacket) => boolean;
  readonly resolve: (packet: MqttSnPacket) => void;
  readonly cancel: () => void;
}

/** A PUBLISH from the gateway, with its topic name where known. */
export interface Delivery {
  readonly topic: string;
  readonly packet: Publish;
}

/**
 * An MQTT-SN v1.2 client over one UDP socket or DTLS session, built on
 * the gateway's codec.
 * Requests are retransmitted every T_RETRY up to N_RETRY times (§6.13);
 * gateway REGISTERs are acknowledged and remembered; downlink PUBLISHes are
 * acknowledged per QoS (QoS 2 delivered once, on PUBLISH) and handed to
 * `onMessage`.
 */
export class SnClient {
  readonly #link: DatagramLink;
  readonly #options: SnClientOptions;
  readonly #waiters = new Set<Waiter>();
  /** Topic id -> name, from our REGISTERs, SUBACKs and the gateway's REGISTERs. */
  readonly topicNames = new Map<number, string>();
  /** QoS 2 downlink message ids received and not yet released (§6.7). */
  readonly #qos2Pending = new Set<number>();
  #msgId = 0;
  #closed = false;
  onMessage: (delivery: Delivery) => void = () => undefined;
  /** DISCONNECT that answers nothing we asked (taken over, lost). */
  onDisconnect: () => void = () => undefined;

  private constructor(link: DatagramLink, options: SnClientOptions) {
    this.#link = link;
    this.#options = options;
    // Only the gateway speaks to this client; the link ignores datagrams from anyone else.
    link.onDatagram = (buf) => this.#onDatagram(buf);
  }

  static async open(options: SnClientOptions): Promise<SnClient> {
    const address = isIP(options.host) !== 0 ? options.host : (await lookup(options.host)).address;
    return new SnClient(await openLink(address, options.port, options.psk, options.handshakeTimeoutMs), options);
  }

  nextMsgId(): number {
    this.#msgId = (this.#msgId % 0xffff) + 1;
    return this.#msgId;
  }

  send(packet: MqttSnPacket): void {
    if (this.#closed) return;
    this.#options.debug?.(`-> ${describePacket(packet)}`);
    const nodeId = this.#options.nodeId;
    const wire =
      nodeId === undefined ? generatePacket(packet) : generatePacket({ type: MsgType.ENCAPSULATED, radius: 0, wirelessNodeId: nodeId, message: packet });
    this.#sending += 1;
    this.#link.send(wire, () => {
      this.#sending -= 1;
      if (this.#sending === 0) for (const resolve of this.#drained.splice(0)) resolve();
    });
  }

  #sending = 0;
  readonly #drained: (() => void)[] = [];

  /** Sends `packet` and waits for the first packet `match` accepts, retransmitting per T_RETRY / N_RETRY. */
  async exchange<T extends MqttSnPacket>(packet: MqttSnPacket, match: (p: MqttSnPacket) => p is T, what: string): Promise<T> {
    const retryMs = this.#options.retryMs ?? 3000;
    const retries = this.#options.retries ?? 3;
    const answer = this.waitFor(match, retryMs * (retries + 1), what);
    let attempt = 0;
    const timer = setInterval(() => {
      attempt += 1;
      if (attempt > retries) return;
      this.send(withDup(packet));
    }, retryMs);
    this.send(packet);
    try {
      return await answer;
    } finally {
      clearInterval(timer);
    }
  }

  /** The next packet `match` accepts, within `timeoutMs`. */
  waitFor<T extends MqttSnPacket>(match: (p: MqttSnPacket) => p is T, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (p) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(p as T);
        },
        cancel: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(new SnClientError(`closed while waiting for ${what}`));
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new SnClientError(`no ${what} from ${this.#options.host}:${this.#options.port} within ${(timeoutMs / 1000).toFixed(0)} s`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** CONNECT, the will handshake when a will is given (§6.3), CONNACK. */
  async connect(options: ConnectOptions): Promise<void> {
    const will = options.will;
    const onWillRequest = (packet: MqttSnPacket): boolean => {
      if (will === undefined) return false;
      if (packet.type === MsgType.WILLTOPICREQ) {
        this.send({ type: MsgType.WILLTOPIC, qos: will.qos, retain: will.retain, topic: will.topic });
        return true;
      }
      if (packet.type === MsgType.WILLMSGREQ) {
        this.send({ type: MsgType.WILLMSG, message: will.message });
        return true;
      }
      return false;
    };
    this.#willHandler = onWillRequest;
    try {
      const connack = await this.exchange(
        {
          type: MsgType.CONNECT,
          will: will !== undefined,
          cleanSession: options.cleanSession,
          protocolId: 0x01,
          duration: options.keepAlive,
          clientId: options.clientId,
        },
        (p): p is Extract<MqttSnPacket, { type: typeof MsgType.CONNACK }> => p.type === MsgType.CONNACK,
        'CONNACK',
      );
      if (connack.returnCode !== 0) throw new SnClientError(`connection refused: ${returnCodeText(connack.returnCode)}`);
    } finally {
      this.#willHandler = undefined;
    }
  }

  #willHandler: ((packet: MqttSnPacket) => boolean) | undefined;

  /** REGISTER a topic name (§6.5); returns its topic id. */
  async register(topicName: string): Promise<number> {
    const msgId = this.nextMsgId();
    const regack = await this.exchange(
      { type: MsgType.REGISTER, topicId: 0, msgId, topicName },
      (p): p is Extract<MqttSnPacket, { type: typeof MsgType.REGACK }> => p.type === MsgType.REGACK && p.msgId === msgId,
      'REGACK',
    );
    if (regack.returnCode !== 0) throw new SnClientError(`REGISTER "${topicName}" ${returnCodeText(regack.returnCode)}`);
    this.topicNames.set(regack.topicId, topicName);
    return regack.topicId;
  }

  /** PUBLISH with QoS -1/0 (fire and forget), 1 (PUBACK) or 2 (PUBREC, PUBREL, PUBCOMP), §6.7. */
  async publish(topic: TopicRef, data: Buffer, qos: SnQos, retain: boolean): Promise<void> {
    const msgId = qos > 0 ? this.nextMsgId() : 0;
    const packet: Publish = { type: MsgType.PUBLISH, dup: false, qos, retain, topic, msgId, data };
    if (qos === 1) {
      const puback = await this.exchange(
        packet,
        (p): p is Extract<MqttSnPacket, { type: typeof MsgType.PUBACK }> => p.type === MsgType.PUBACK && p.msgId === msgId,
        'PUBACK',
      );
      if (puback.returnCode !== 0) throw new SnClientError(`PUBLISH ${returnCodeText(puback.returnCode)}`);
    } else if (qos === 2) {
      const answer = await this.exchange(
        packet,
        (p): p is Extract<MqttSnPacket, { type: typeof MsgType.PUBREC | typeof MsgType.PUBACK }> =>
          (p.type === MsgType.PUBREC || p.type === MsgType.PUBACK) && p.msgId === msgId,
        'PUBREC',
      );
      // A gateway refuses a QoS 2 PUBLISH with PUBACK and a return code (§6.7).
      if (answer.type === MsgType.PUBACK) throw new SnClientError(`PUBLISH ${returnCodeText(answer.returnCode)}`);
      await this.exchange(
        { type: MsgType.PUBREL, msgId },
        (p): p is Extract<MqttSnPacket, { type: typeof MsgType.PUBCOMP }> => p.type === MsgType.PUBCOMP && p.msgId === msgId,
        'PUBCOMP',
      );
    } else {
      this.send(packet);
    }
  }

  /** SUBSCRIBE (§6.9); returns the granted QoS and the topic id (0 for wildcards and short names). */
  async subscribe(topic: TopicRef, qos: 0 | 1 | 2): Promise<{ qos: SnQos; topicId: number }> {
    const msgId = this.nextMsgId();
    const suback = await this.exchange(
      { type: MsgType.SUBSCRIBE, dup: false, qos, msgId, topic },
      (p): p is Extract<MqttSnPacket, { type: typeof MsgType.SUBACK }> => p.type === MsgType.SUBACK && p.msgId === msgId,
      'SUBACK',
    );
    if (suback.returnCode !== 0) throw new SnClientError(`SUBSCRIBE ${returnCodeText(suback.returnCode)}`);
    if (topic.kind === 'name' && suback.topicId !== 0) this.topicNames.set(suback.topicId, topic.name);
    return { qos: suback.qos, topicId: suback.topicId };
  }

  /** DISCONNECT, with a duration = go to sleep (§6.14); waits for the gateway's DISCONNECT. */
  async disconnect(sleepSeconds?: number): Promise<void> {
    await this.exchange(
      sleepSeconds === undefined ? { type: MsgType.DISCONNECT } : { type: MsgType.DISCONNECT, duration: sleepSeconds },
      (p): p is Extract<MqttSnPacket, { type: typeof MsgType.DISCONNECT }> => p.type === MsgType.DISCONNECT,
      'DISCONNECT',
    );
  }

  /** PINGREQ; with a client id, a sleeping client's wake-up: buffered messages arrive before the PINGRESP (§6.14). */
  async ping(clientId?: string, timeoutMs = 60_000): Promise<void> {
    const answer = this.waitFor((p): p is Extract<MqttSnPacket, { type: typeof MsgType.PINGRESP }> => p.type === MsgType.PINGRESP, timeoutMs, 'PINGRESP');
    this.send(clientId === undefined ? { type: MsgType.PINGREQ } : { type: MsgType.PINGREQ, clientId });
    await answer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Datagrams handed to the socket but not yet sent would be lost by closing it (QoS -1 / 0 then exit).
    if (this.#sending > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.cancel();
    await this.#link.close();
  }

  #onDatagram(buf: Buffer): void {
    let packet: MqttSnPacket;
    try {
      packet = parsePacket(buf);
    } catch (err) {
      this.#options.debug?.(`<- malformed datagram (${buf.length} bytes): ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (packet.type === MsgType.ENCAPSULATED) {
      if (this.#options.nodeId === undefined || !packet.wirelessNodeId.equals(this.#options.nodeId)) {
        this.#options.debug?.(`<- ${describePacket(packet)} (not for this node; ignored)`);
        return;
      }
      packet = packet.message;
    }
    this.#options.debug?.(`<- ${describePacket(packet)}`);
    if (this.#willHandler?.(packet) === true) return;
    for (const waiter of this.#waiters) {
      if (waiter.match(packet)) {
        waiter.resolve(packet);
        if (packet.type !== MsgType.PUBLISH) return;
        break;
      }
    }
    this.#handleUnsolicited(packet);
  }

  #handleUnsolicited(packet: MqttSnPacket): void {
    switch (packet.type) {
      case MsgType.REGISTER:
        // §6.10: the gateway tells us the id of a topic before publishing on it.
        this.topicNames.set(packet.topicId, packet.topicName);
        this.send({ type: MsgType.REGACK, topicId: packet.topicId, msgId: packet.msgId, returnCode: 0 });
        return;
      case MsgType.PUBLISH:
        this.#onPublish(packet);
        return;
      case MsgType.PUBREL:
        this.#qos2Pending.delete(packet.msgId);
        this.send({ type: MsgType.PUBCOMP, msgId: packet.msgId });
        return;
      case MsgType.DISCONNECT:
        this.onDisconnect();
        return;
      default:
        return;
    }
  }

  #onPublish(packet: Publish): void {
    const topic = this.#topicName(packet.topic);
    if (topic === undefined && packet.topic.kind === 'normal') {
      // §6.10: an id we do not know; tell the gateway so it can REGISTER again.
      if (packet.qos > 0) this.send({ type: MsgType.PUBACK, topicId: packet.topic.id, msgId: packet.msgId, returnCode: 0x02 });
      return;
    }
    const name = topic ?? describeUnknown(packet.topic);
    if (packet.qos === 1) {
      this.send({ type: MsgType.PUBACK, topicId: topicIdField(packet.topic), msgId: packet.msgId, returnCode: 0 });
    } else if (packet.qos === 2) {
      this.send({ type: MsgType.PUBREC, msgId: packet.msgId });
      if (this.#qos2Pending.has(packet.msgId)) return; // a retransmission: delivered already
      this.#qos2Pending.add(packet.msgId);
    }
    this.onMessage({ topic: name, packet });
  }

  #topicName(ref: TopicRef): string | undefined {
    if (ref.kind === 'short') return ref.name;
    if (ref.kind === 'normal' || ref.kind === 'predefined') return this.topicNames.get(ref.id);
    return undefined;
  }
}

function describeUnknown(ref: TopicRef): string {
  return ref.kind === 'predefined' ? `predefined:${ref.id}` : `unknown:${ref.kind}`;
}

function topicIdField(ref: TopicRef): number {
  if (ref.kind === 'normal' || ref.kind === 'predefined') return ref.id;
  if (ref.kind === 'short') return Buffer.from(ref.name.padEnd(2, '\0'), 'latin1').readUInt16BE(0);
  return 0;
}

function withDup(packet: MqttSnPacket): MqttSnPacket {
  if (packet.type === MsgType.PUBLISH || packet.type === MsgType.SUBSCRIBE) return { ...packet, dup: true };
  return packet;
}
