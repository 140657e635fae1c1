import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { BatchedUdpEndpoint } from '../../../src/transport/batched-udp.js';
import { UdpEndpoint } from '../../../src/transport/udp.js';
import { nextMessage, sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN connection (§6.2, §6.3, §6.6)', () => {
  it('CONNECT -> CONNACK 0, DISCONNECT -> DISCONNECT and the session is gone', async () => {
    const h = await startHarness();
    const c = await h.client();
    const ack = await c.connect(unique('c1'));
    expect(ack.returnCode).toBe(ReturnCode.ACCEPTED);
    expect(h.gateway.sessionCount).toBe(1);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(50);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it.each([
    ['batched', BatchedUdpEndpoint],
    ['dgram', UdpEndpoint],
  ] as const)('listener io %s: the gateway serves CONNECT and a QoS 1 PUBLISH through that socket', async (io, implementation) => {
    const h = await startHarness({ listeners: { udp: { default: { bind: '127.0.0.1:0', io } } } });
    expect(h.gateway.transports[0]).toBeInstanceOf(implementation);
    const topic = unique('io');
    const w = await h.watcher();
    await w.subscribeAsync(topic, { qos: 1 });
    const arrived = nextMessage(w, topic);
    const c = await h.client();
    expect((await c.connect(unique('io'))).returnCode).toBe(ReturnCode.ACCEPTED);
    const topicId = await c.register(topic);
    await c.send({
      type: MsgType.PUBLISH,
      dup: false,
      qos: 1,
      retain: false,
      topic: { kind: 'normal', id: topicId },
      msgId: 7,
      data: Buffer.from(`via-${io}`),
    });
    expect((await c.expect(MsgType.PUBACK)).returnCode).toBe(ReturnCode.ACCEPTED);
    expect((await arrived).payload.toString()).toBe(`via-${io}`);
  });

  it('answers a protocol id other than 0x01 with CONNACK 0x03', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.send({ type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 0x02, duration: 10, clientId: unique('p') });
    expect((await c.expect(MsgType.CONNACK)).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it('acknowledges DISCONNECT from a peer that never connected', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
  });

  it('answers other packets from an unknown address with DISCONNECT', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.send({ type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: 'a/b' });
    await c.expect(MsgType.DISCONNECT);
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.DISCONNECT);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: 1025 }, msgId: 3, data: Buffer.from('x') });
    await c.expect(MsgType.DISCONNECT);
  });

  it('runs the will handshake and publishes the will when keepalive supervision expires', async () => {
    const h = await startHarness();
    const willTopic = unique('will/t');
    const w = await h.watcher();
    await w.subscribeAsync(willTopic, { qos: 1 });
    const c = await h.client();
    await c.connect(unique('w'), { duration: 1, will: { topic: willTopic, message: 'gone', qos: 1 } });
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.PINGRESP);
    const will = nextMessage(w, willTopic, 4000);
    // keepalive 1 s x 1.5: lost after 1.5 s of silence -> DISCONNECT, then the will.
    await c.expect(MsgType.DISCONNECT, 3000);
    expect((await will).payload.toString()).toBe('gone');
    await sleep(50);
    expect(h.gateway.sessionCount).toBe(0);
    expect(h.gateway.stats.lost).toBe(1);
    expect(h.gateway.stats.willsPublished).toBe(1);
  });

  it('an empty WILLTOPIC means no will: CONNACK at once, nothing published on loss', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.send({ type: MsgType.CONNECT, will: true, cleanSession: true, protocolId: 1, duration: 1, clientId: unique('e') });
    await c.expect(MsgType.WILLTOPICREQ);
    await c.send({ type: MsgType.WILLTOPIC, qos: 0, retain: false, topic: undefined });
    // No WILLMSGREQ: the handshake ends at the empty WILLTOPIC.
    expect((await c.expect(MsgType.CONNACK)).returnCode).toBe(0);
    // Keepalive expires: the client is lost (premise), and there is no will to publish.
    await c.expect(MsgType.DISCONNECT, 3000);
    await sleep(200);
    expect(h.gateway.stats.lost).toBe(1);
    expect(h.gateway.stats.willsPublished).toBe(0);
  });

  it.each([
    ['REGISTER', { type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: 'x/y' }],
    ['PUBLISH', { type: MsgType.PUBLISH, dup: false, qos: 0, retain: false, topic: { kind: 'short', name: 'ab' }, msgId: 0, data: Buffer.from('x') }],
    ['WILLMSG before WILLTOPIC', { type: MsgType.WILLMSG, message: Buffer.from('m') }],
    ['DISCONNECT(duration)', { type: MsgType.DISCONNECT, duration: 30 }],
  ] as const)('refuses %s during the will handshake with DISCONNECT and drops the half-open session', async (_name, packet) => {
    const h = await startHarness();
    const c = await h.client();
    await c.send({ type: MsgType.CONNECT, will: true, cleanSession: true, protocolId: 1, duration: 10, clientId: unique('hs') });
    await c.expect(MsgType.WILLTOPICREQ);
    await c.send(packet);
    await c.expect(MsgType.DISCONNECT);
    // The session is gone: a WILLTOPIC now comes from an unknown peer.
    await c.send({ type: MsgType.WILLTOPIC, qos: 0, retain: false, topic: 'a' });
    await c.expect(MsgType.DISCONNECT);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it('a duplicate client id takes over the older session, which gets DISCONNECT', async () => {
    const h = await startHarness();
    const id = unique('dup');
    const a = await h.client();
    await a.connect(id);
    const b = await h.client();
    await b.connect(id);
    await a.expect(MsgType.DISCONNECT);
    expect(h.gateway.sessionCount).toBe(1);
    await b.send({ type: MsgType.PINGREQ });
    await b.expect(MsgType.PINGRESP);
    await a.send({ type: MsgType.PINGREQ });
    await a.expect(MsgType.DISCONNECT);
  });

  it('a second CONNECT on a live session is a fresh connect answered with CONNACK', async () => {
    const h = await startHarness();
    const c = await h.client();
    const id = unique('again');
    await c.connect(id);
    await c.connect(id);
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.PINGRESP);
    expect(h.gateway.sessionCount).toBe(1);
  });

  it('enforces max_connections with CONNACK 0x01', async () => {
    const h = await startHarness({ listeners: { udp: { default: { bind: '127.0.0.1:0', max_connections: 1 } } } });
    const a = await h.client();
    await a.connect(unique('m1'));
    const b = await h.client();
    await b.send({ type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 10, clientId: unique('m2') });
    expect((await b.expect(MsgType.CONNACK)).returnCode).toBe(ReturnCode.CONGESTION);
  });

  it('forgets a peer that starts CONNECT but never finishes it (idle_timeout)', async () => {
    const h = await startHarness({ idle_timeout: '300ms' });
    const c = await h.client();
    await c.send({ type: MsgType.CONNECT, will: true, cleanSession: true, protocolId: 1, duration: 10, clientId: unique('idle') });
    await c.expect(MsgType.WILLTOPICREQ);
    await sleep(700);
    await c.send({ type: MsgType.WILLTOPIC, qos: 0, retain: false, topic: 'late' });
    await c.expect(MsgType.DISCONNECT);
  });
});
