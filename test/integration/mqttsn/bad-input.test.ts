import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { collect, nextMessage, sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN bad input', () => {
  it('random garbage is counted, never crashes, and never disturbs a connected client', async () => {
    const h = await startHarness();
    const topic = unique('bad');
    const w = await h.watcher();
    await w.subscribeAsync(topic);
    const c = await h.client();
    await c.connect(unique('victim'));
    const id = await c.register(topic);
    const noise = createSocket('udp4');
    await new Promise<void>((resolve) => noise.bind(0, '127.0.0.1', resolve));
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 500; i += 1) {
      const len = 1 + (random() % 40);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j += 1) buf[j] = random() & 0xff;
      noise.send(buf, h.port, '127.0.0.1');
    }
    // Garbage from the connected client's own address must not break its session either.
    await c.sendRaw(Buffer.from([0x05, 0xee, 0x01, 0x02, 0x03]));
    await c.sendRaw(Buffer.from([0x03, 0x0c]));
    await sleep(300);
    noise.close();
    expect(h.gateway.stats.malformed).toBeGreaterThan(0);
    const got = nextMessage(w, topic);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 77, data: Buffer.from('still here') });
    // The garbage sender may have been answered with DISCONNECTs; the client itself only sees its PUBACK.
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 77, returnCode: 0 });
    expect((await got).payload.toString()).toBe('still here');
  });

  it('drops datagrams above max_message_size; an oversize PUBLISH from a connected client is answered PUBACK 0x03, in order', async () => {
    const h = await startHarness({ max_message_size: 64 });
    const topic = unique('big');
    const w = await h.watcher();
    await w.subscribeAsync(`${topic}/#`);
    const seen = collect(w, topic);
    const c = await h.client();
    await c.connect(unique('big'));
    const id = await c.register(`${topic}/x`);
    // A QoS 1 PUBLISH that fits, then an oversize one: the answers keep that order.
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 1, data: Buffer.from('fits') });
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 2, data: Buffer.alloc(100) });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 1, returnCode: 0 });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ topicId: id, msgId: 2, returnCode: 0x03 });
    // QoS -1 is never acknowledged; an oversize datagram from an unknown peer gets nothing either.
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'normal', id }, msgId: 0, data: Buffer.alloc(100) });
    const stranger = await h.client();
    await stranger.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 3, data: Buffer.alloc(100) });
    await c.expectNothing(150);
    await stranger.expectNothing(0);
    expect(h.gateway.stats.oversize).toBe(3);
    expect(seen.map((m) => m.payload)).toEqual(['fits']);
  });

  it('ignores packets a gateway never receives (CONNACK from a connected client) and keeps the session', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('odd'));
    await c.send({ type: MsgType.CONNACK, returnCode: 0 });
    await c.send({ type: MsgType.PUBACK, topicId: 1, msgId: 999, returnCode: 0 });
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.PINGRESP);
    expect(h.gateway.stats.unexpected).toBe(2);
    expect(h.gateway.sessionCount).toBe(1);
  });
});
