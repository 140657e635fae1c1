import { createSocket, type Socket } from 'node:dgram';
import { generatePacket, MsgType, parsePacket, type MqttSnPacket } from '../../src/mqttsn/codec/index.js';

/**
 * A well-behaved MQTT-SN client that keeps working while the gateway is
 * fuzzed: it connects, subscribes to its downlink topic (QoS 1), registers
 * its uplink topic, then publishes numbered QoS 1 messages one at a time,
 * retransmitting with DUP every `retryMs` (§6.13) as a real client does, and
 * acknowledges every downlink PUBLISH. What the broker delivered and what the
 * client received are compared by the caller.
 */
export class WellBehavedSnClient {
  readonly clientId: string;
  readonly upTopic: string;
  readonly downTopic: string;
  /** Downlink sequence numbers received (duplicates collapse). */
  readonly received = new Set<number>();
  /** Uplink sequence numbers the gateway acknowledged with PUBACK 0. */
  readonly acknowledged = new Set<number>();
  /** DISCONNECTs the gateway sent (a well-behaved session must never get one). */
  disconnects = 0;
  /** Answers other than "accepted". */
  readonly refusals: string[] = [];
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #retryMs: number;
  #waiting: { readonly type: number; readonly msgId: number | undefined; readonly resolve: (p: MqttSnPacket) => void } | undefined;
  #msgId = 0;
  #upTopicId = 0;
  #downTopicId = 0;
  #closed = false;
  #pinger: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, host: string, port: number, clientId: string, prefix: string, retryMs: number) {
    this.#socket = socket;
    this.#host = host;
    this.#port = port;
    this.clientId = clientId;
    this.upTopic = `${prefix}/up`;
    this.downTopic = `${prefix}/down`;
    this.#retryMs = retryMs;
    socket.on('message', (msg) => this.#onDatagram(msg));
  }

  static async start(host: string, port: number, clientId: string, prefix: string, retryMs = 500): Promise<WellBehavedSnClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const client = new WellBehavedSnClient(socket, host, port, clientId, prefix, retryMs);
    await client.#exchange({ type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 30, clientId }, MsgType.CONNACK, undefined);
    const subId = client.#nextMsgId();
    const suback = await client.#exchange(
      { type: MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: subId, topic: { kind: 'name', name: client.downTopic } },
      MsgType.SUBACK,
      subId,
    );
    if (suback.type === MsgType.SUBACK) client.#downTopicId = suback.topicId;
    const regId = client.#nextMsgId();
    const regack = await client.#exchange({ type: MsgType.REGISTER, topicId: 0, msgId: regId, topicName: client.upTopic }, MsgType.REGACK, regId);
    if (regack.type === MsgType.REGACK) client.#upTopicId = regack.topicId;
    // Keepalive (§6.10): a PINGREQ well within the 30 s duration.
    client.#pinger = setInterval(() => client.#send({ type: MsgType.PINGREQ }), 10_000);
    return client;
  }

  /** Publishes `up-<seq>` at QoS 1 and resolves once PUBACK 0 came back. */
  async publish(seq: number): Promise<void> {
    const msgId = this.#nextMsgId();
    const data = Buffer.from(`up-${seq}`);
    const ack = await this.#exchange(
      { type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: this.#upTopicId }, msgId, data },
      MsgType.PUBACK,
      msgId,
    );
    if (ack.type === MsgType.PUBACK && ack.returnCode === 0) this.acknowledged.add(seq);
    else this.refusals.push(`PUBACK for up-${seq}: ${JSON.stringify(ack)}`);
  }

  async close(): Promise<void> {
    if (this.#pinger !== undefined) clearInterval(this.#pinger);
    if (!this.#closed) this.#send({ type: MsgType.DISCONNECT });
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #nextMsgId(): number {
    this.#msgId = (this.#msgId % 0xffff) + 1;
    return this.#msgId;
  }

  #send(packet: MqttSnPacket): void {
    if (this.#closed) return;
    this.#socket.send(generatePacket(packet), this.#port, this.#host);
  }

  /** Sends `packet` until the answer of `type` (with `msgId`) arrives; gives up after 60 tries. */
  #exchange(packet: MqttSnPacket, type: number, msgId: number | undefined): Promise<MqttSnPacket> {
    return new Promise((resolve, reject) => {
      let tries = 0;
      const retransmitted: MqttSnPacket = packet.type === MsgType.PUBLISH || packet.type === MsgType.SUBSCRIBE ? { ...packet, dup: true } : packet;
      const attempt = (): void => {
        if (this.#closed || tries >= 60) {
          clearInterval(timer);
          this.#waiting = undefined;
          reject(new Error(`${this.clientId}: no answer of type ${type} after ${tries} tries`));
          return;
        }
        this.#send(tries === 0 ? packet : retransmitted);
        tries += 1;
      };
      const timer = setInterval(attempt, this.#retryMs);
      this.#waiting = {
        type,
        msgId,
        resolve: (answer) => {
          clearInterval(timer);
          this.#waiting = undefined;
          resolve(answer);
        },
      };
      attempt();
    });
  }

  #onDatagram(msg: Buffer): void {
    let packet: MqttSnPacket;
    try {
      packet = parsePacket(msg);
    } catch {
      this.refusals.push(`unparseable datagram ${msg.toString('hex')}`);
      return;
    }
    switch (packet.type) {
      case MsgType.PUBLISH: {
        if (packet.qos === 1)
          this.#send({
            type: MsgType.PUBACK,
            topicId: packet.topic.kind === 'normal' || packet.topic.kind === 'predefined' ? packet.topic.id : 0,
            msgId: packet.msgId,
            returnCode: 0,
          });
        const match = /^down-(\d+)$/.exec(packet.data.toString());
        if (match !== null && packet.topic.kind === 'normal' && packet.topic.id === this.#downTopicId) this.received.add(Number(match[1]));
        return;
      }
      case MsgType.REGISTER:
        this.#send({ type: MsgType.REGACK, topicId: packet.topicId, msgId: packet.msgId, returnCode: 0 });
        return;
      case MsgType.DISCONNECT:
        this.disconnects += 1;
        return;
      case MsgType.PINGRESP:
        return;
      default:
        break;
    }
    const waiting = this.#waiting;
    if (waiting === undefined || packet.type !== waiting.type) return;
    if (waiting.msgId !== undefined && 'msgId' in packet && packet.msgId !== waiting.msgId) return;
    if ('returnCode' in packet && packet.returnCode !== 0 && packet.type !== MsgType.PUBACK)
      this.refusals.push(`${packet.type}: return code ${packet.returnCode}`);
    waiting.resolve(packet);
  }
}
