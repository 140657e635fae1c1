import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generatePacket, MsgType, type MqttSnPacket, parsePacket } from '../../../src/mqttsn/codec/index.js';
import { SnTestClient } from '../../helpers/sn-client.js';

type Reply = (msg: Buffer, rinfo: RemoteInfo) => Buffer | readonly Buffer[] | undefined;

/** A tiny UDP "gateway": echoes by default, or answers through a swappable `reply` script. */
class TinyServer {
  reply: Reply = (msg) => msg;
  readonly seen: { port: number; bytes: Buffer }[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      this.seen.push({ port: rinfo.port, bytes: msg });
      const out = this.reply(msg, rinfo);
      const list = out === undefined ? [] : Buffer.isBuffer(out) ? [out] : out;
      for (const b of list) socket.send(b, rinfo.port, rinfo.address);
    });
  }
  static async start(): Promise<TinyServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new TinyServer(socket);
  }
  get port(): number {
    return this.socket.address().port;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Server-side answer helper: parse a (plain) request, answer with packets. */
function answer(fn: (p: MqttSnPacket) => MqttSnPacket[]): Reply {
  return (msg) => fn(parsePacket(msg)).map(generatePacket);
}

describe('SnTestClient (against a tiny UDP server)', () => {
  let server: TinyServer;
  const clients: SnTestClient[] = [];
  const open = async (opts?: Parameters<typeof SnTestClient.open>[1]): Promise<SnTestClient> => {
    const c = await SnTestClient.open(server.port, opts);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = await TinyServer.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('sends a packet and expects the echoed one, narrowed by type', async () => {
    const c = await open();
    await c.send({ type: MsgType.REGACK, topicId: 9, msgId: 3, returnCode: 0 });
    const ack = await c.expect(MsgType.REGACK);
    expect(ack.topicId).toBe(9);
    expect(server.seen[0]?.bytes.toString('hex')).toBe('070b0009000300');
  });

  it('queues packets that arrive before expect() and hands them out in order', async () => {
    const c = await open();
    server.reply = () => [generatePacket({ type: MsgType.PINGRESP }), generatePacket({ type: MsgType.UNSUBACK, msgId: 4 })];
    await c.send({ type: MsgType.PINGREQ });
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.next()).type).toBe(MsgType.PINGRESP);
    expect(await c.expect(MsgType.UNSUBACK)).toEqual({ type: MsgType.UNSUBACK, msgId: 4 });
  });

  it('fails clearly when another type arrives', async () => {
    const c = await open();
    await c.send({ type: MsgType.CONNACK, returnCode: 3 });
    await expect(c.expect(MsgType.PUBLISH)).rejects.toThrow('expected PUBLISH but received CONNACK {"returnCode":3}');
  });

  it('times out with a clear message when nothing arrives', async () => {
    const c = await open();
    await expect(c.expect(MsgType.CONNACK, 100)).rejects.toThrow('expected CONNACK within 100 ms, nothing arrived');
  });

  it('reports an unparseable datagram with its bytes', async () => {
    const c = await open();
    await c.sendRaw(Buffer.from([0x02, 0x03]));
    await expect(c.next()).rejects.toThrow(/unparseable datagram 0203 .*reserved or unknown MsgType 0x03/);
  });

  it('expectNothing passes on silence and fails when something arrives', async () => {
    const c = await open();
    server.reply = () => undefined;
    await c.send({ type: MsgType.PINGREQ });
    await c.expectNothing(80);
    server.reply = (msg) => msg;
    await c.send({ type: MsgType.PINGRESP });
    await expect(c.expectNothing(80)).rejects.toThrow('expected nothing for 80 ms but received PINGRESP');
  });

  it('connect() runs CONNECT -> CONNACK and the will handshake', async () => {
    const c = await open();
    server.reply = answer((p) => {
      if (p.type === MsgType.CONNECT) return p.will ? [{ type: MsgType.WILLTOPICREQ }] : [{ type: MsgType.CONNACK, returnCode: 0 }];
      if (p.type === MsgType.WILLTOPIC) return [{ type: MsgType.WILLMSGREQ }];
      if (p.type === MsgType.WILLMSG) return [{ type: MsgType.CONNACK, returnCode: 0 }];
      return [];
    });
    await c.connect('dev-1', { will: { topic: 'w', message: 'gone', qos: 1 } });
    const sent = server.seen.map((s) => parsePacket(s.bytes));
    expect(sent.map((p) => p.type)).toEqual([MsgType.CONNECT, MsgType.WILLTOPIC, MsgType.WILLMSG]);
    expect(sent[0]).toMatchObject({ clientId: 'dev-1', will: true, cleanSession: true, duration: 60 });
    expect(sent[1]).toEqual({ type: MsgType.WILLTOPIC, qos: 1, retain: false, topic: 'w' });
    expect(c.clientId).toBe('dev-1');
  });

  it('connect() fails on a rejecting CONNACK', async () => {
    const c = await open();
    server.reply = answer(() => [{ type: MsgType.CONNACK, returnCode: 0x03 }]);
    await expect(c.connect('x')).rejects.toThrow('CONNACK return code 0x3');
  });

  it('register() returns the topic id of a matching REGACK', async () => {
    const c = await open();
    server.reply = answer((p) => (p.type === MsgType.REGISTER ? [{ type: MsgType.REGACK, topicId: 42, msgId: p.msgId, returnCode: 0 }] : []));
    expect(await c.register('a/b')).toBe(42);
    expect(await c.register('a/c')).toBe(42);
    const ids = server.seen.map((s) => parsePacket(s.bytes)).map((p) => (p.type === MsgType.REGISTER ? p.msgId : -1));
    expect(ids).toEqual([1, 2]);
  });

  it('subscribe() sends a topic name and checks the SUBACK MsgId', async () => {
    const c = await open();
    server.reply = answer((p) => (p.type === MsgType.SUBSCRIBE ? [{ type: MsgType.SUBACK, qos: p.qos, topicId: 0, msgId: p.msgId, returnCode: 0 }] : []));
    const ack = await c.subscribe('s/#', 1);
    expect(ack.qos).toBe(1);
    expect(parsePacket(server.seen[0].bytes)).toMatchObject({ topic: { kind: 'name', name: 's/#' }, qos: 1 });
  });

  it('forwarder mode wraps sends and unwraps same-node replies', async () => {
    const nodeId = Buffer.from([0xca, 0xfe]);
    const c = await open({ forwarder: { nodeId } });
    await c.send({ type: MsgType.PINGREQ, clientId: 'n' });
    expect(await c.expect(MsgType.PINGREQ)).toEqual({ type: MsgType.PINGREQ, clientId: 'n' });
    expect(server.seen[0]?.bytes.toString('hex')).toBe('05fe00cafe03166e');
  });

  it('forwarder mode refuses replies that are not encapsulated or for another node', async () => {
    const c = await open({ forwarder: { nodeId: Buffer.from([1]) } });
    server.reply = () => generatePacket({ type: MsgType.PINGRESP });
    await c.send({ type: MsgType.PINGREQ });
    await expect(c.next()).rejects.toThrow('PINGRESP not encapsulated');
    server.reply = () => generatePacket({ type: MsgType.ENCAPSULATED, radius: 0, wirelessNodeId: Buffer.from([2]), message: { type: MsgType.PINGRESP } });
    await c.send({ type: MsgType.PINGREQ });
    await expect(c.next()).rejects.toThrow('encapsulated for node id 02, expected 01');
  });

  it('rebind() opens a second client on a new port carrying the client id', async () => {
    const c = await open();
    server.reply = answer((p) => (p.type === MsgType.CONNECT ? [{ type: MsgType.CONNACK, returnCode: 0 }] : []));
    await c.connect('nat-1');
    const moved = await c.rebind();
    clients.push(moved);
    expect(moved.port).not.toBe(c.port);
    expect(moved.clientId).toBe('nat-1');
    server.reply = (msg) => msg;
    await moved.send({ type: MsgType.PINGREQ, clientId: moved.clientId });
    expect(await moved.expect(MsgType.PINGREQ)).toEqual({ type: MsgType.PINGREQ, clientId: 'nat-1' });
    expect(server.seen.map((s) => s.port)).toEqual([c.port, moved.port]);
    await c.expectNothing(30);
  });

  it('close() rejects a pending expect()', async () => {
    const c = await open();
    const pending = c.expect(MsgType.CONNACK, 5000);
    await c.close();
    await expect(pending).rejects.toThrow('closed while waiting');
  });
});
