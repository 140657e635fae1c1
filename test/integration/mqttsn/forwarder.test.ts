import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgType, generatePacket, parsePacket, type MqttSnPacket } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, startHarness, unique } from './harness.js';

/** One forwarder socket carrying several wireless nodes (MQTT-SN v1.2 §5.5). */
class Forwarder {
  readonly #socket: Socket;
  readonly #port: number;
  readonly received: { node: string; packet: MqttSnPacket }[] = [];
  readonly unwrapped: MqttSnPacket[] = [];

  private constructor(socket: Socket, port: number) {
    this.#socket = socket;
    this.#port = port;
    socket.on('message', (msg) => {
      const packet = parsePacket(msg);
      if (packet.type === MsgType.ENCAPSULATED) this.received.push({ node: packet.wirelessNodeId.toString('hex'), packet: packet.message });
      else this.unwrapped.push(packet);
    });
  }

  static async open(port: number): Promise<Forwarder> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Forwarder(socket, port);
  }

  send(node: string, packet: MqttSnPacket): void {
    this.#socket.send(
      generatePacket({ type: MsgType.ENCAPSULATED, radius: 0, wirelessNodeId: Buffer.from(node, 'hex'), message: packet }),
      this.#port,
      '127.0.0.1',
    );
  }

  async take(node: string, type: number, timeoutMs = 2000): Promise<MqttSnPacket> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const index = this.received.findIndex((r) => r.node === node && r.packet.type === type);
      if (index >= 0) return (this.received.splice(index, 1)[0] as { packet: MqttSnPacket }).packet;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`node ${node}: no packet of type ${type}; got ${JSON.stringify(this.received.map((r) => [r.node, r.packet.type]))}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

const open: Forwarder[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

describe('MQTT-SN forwarder encapsulation (§5.5)', () => {
  it('serves two wireless nodes behind one forwarder address, every reply encapsulated with its node id', async () => {
    const h = await startHarness();
    const fwd = await Forwarder.open(h.port);
    open.push(fwd);
    const topic = unique('fwd');
    const w = await h.watcher();
    await w.subscribeAsync(`${topic}/#`);
    for (const node of ['0a01', '0a02']) {
      fwd.send(node, { type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 30, clientId: unique(`node-${node}`) });
      expect(await fwd.take(node, MsgType.CONNACK)).toMatchObject({ returnCode: 0 });
    }
    expect(h.gateway.sessionCount).toBe(2);
    fwd.send('0a02', { type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: `${topic}/b` });
    const regack = await fwd.take('0a02', MsgType.REGACK);
    expect(regack).toMatchObject({ topicId: 1025, returnCode: 0 });
    const got = nextMessage(w, `${topic}/b`);
    fwd.send('0a02', { type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: 1025 }, msgId: 2, data: Buffer.from('from-b') });
    expect(await fwd.take('0a02', MsgType.PUBACK)).toMatchObject({ msgId: 2, returnCode: 0 });
    expect((await got).payload.toString()).toBe('from-b');
    // Node a subscribes; a downlink goes to node a only, encapsulated.
    fwd.send('0a01', { type: MsgType.SUBSCRIBE, dup: false, qos: 0, msgId: 3, topic: { kind: 'name', name: `${topic}/a` } });
    const suback = await fwd.take('0a01', MsgType.SUBACK);
    await w.publishAsync(`${topic}/a`, 'to-a');
    const down = await fwd.take('0a01', MsgType.PUBLISH);
    expect(down).toMatchObject({ topic: { kind: 'normal', id: (suback as { topicId: number }).topicId } });
    fwd.send('0a01', { type: MsgType.SEARCHGW, radius: 0 });
    expect(await fwd.take('0a01', MsgType.GWINFO)).toMatchObject({ gwId: h.config.gateway_id });
    expect(fwd.unwrapped).toEqual([]);
    expect(fwd.received.filter((r) => r.node === '0a02')).toEqual([]);
  });

  it('gateway-initiated REGISTER, PUBLISH and DISCONNECT, and answers to never-connected nodes, are encapsulated with the node id', async () => {
    const h = await startHarness();
    const fwd = await Forwarder.open(h.port);
    open.push(fwd);
    const base = unique('fwdw');
    const w = await h.watcher();
    // A node that never connected: DISCONNECT acknowledged, anything else refused with DISCONNECT, both encapsulated.
    fwd.send('0b09', { type: MsgType.DISCONNECT });
    await fwd.take('0b09', MsgType.DISCONNECT);
    fwd.send('0b09', { type: MsgType.PINGREQ });
    await fwd.take('0b09', MsgType.DISCONNECT);
    fwd.send('0b01', { type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 1, clientId: unique('node-w') });
    await fwd.take('0b01', MsgType.CONNACK);
    fwd.send('0b01', { type: MsgType.SUBSCRIBE, dup: false, qos: 1, msgId: 1, topic: { kind: 'name', name: `${base}/#` } });
    await fwd.take('0b01', MsgType.SUBACK);
    await w.publishAsync(`${base}/x`, 'wild', { qos: 1 });
    const reg = (await fwd.take('0b01', MsgType.REGISTER)) as { topicId: number; msgId: number; topicName: string };
    expect(reg.topicName).toBe(`${base}/x`);
    fwd.send('0b01', { type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    const pub = (await fwd.take('0b01', MsgType.PUBLISH)) as { msgId: number; data: Buffer };
    expect(pub.data.toString()).toBe('wild');
    fwd.send('0b01', { type: MsgType.PUBACK, topicId: reg.topicId, msgId: pub.msgId, returnCode: 0 });
    // Keepalive 1 s x 1.5 without traffic: the gateway's DISCONNECT goes to the node, encapsulated.
    await fwd.take('0b01', MsgType.DISCONNECT, 3000);
    expect(fwd.unwrapped).toEqual([]);
  });
});
