import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { startHarness, unique } from './harness.js';

describe('MQTT-SN subscribe (§6.9, §6.10)', () => {
  it('plain names get their registered id, wildcards id 0, granted QoS from the broker', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('s'));
    const plain = unique('plain');
    const a = await c.subscribe(plain, 1);
    expect(a).toMatchObject({ topicId: 1025, qos: 1, returnCode: 0 });
    expect(await c.register(plain)).toBe(1025);
    const b = await c.subscribe(`${unique('w')}/+/x`, 2);
    expect(b).toMatchObject({ topicId: 0, qos: 2, returnCode: 0 });
    const d = await c.subscribe(`${unique('w')}/#`, 0);
    expect(d).toMatchObject({ topicId: 0, qos: 0, returnCode: 0 });
  });

  it('predefined ids: known -> that id; unknown -> 0x02; reserved id type -> 0x03; name of a predefined topic -> its id', async () => {
    const topic = unique('pre');
    const h = await startHarness({ predefined: [{ id: 12, topic }] });
    const c = await h.client();
    await c.connect(unique('sp'));
    expect(await c.subscribe({ kind: 'predefined', id: 12 }, 1)).toMatchObject({ topicId: 12, returnCode: 0 });
    expect(await c.subscribe({ kind: 'predefined', id: 13 }, 1)).toMatchObject({ topicId: 0, returnCode: ReturnCode.INVALID_TOPIC_ID });
    expect(await c.subscribe({ kind: 'reserved', raw: Buffer.from([0, 1]) }, 1)).toMatchObject({ topicId: 0, returnCode: ReturnCode.NOT_SUPPORTED });
    expect(await c.subscribe(topic, 1)).toMatchObject({ topicId: 12, returnCode: 0 });
  });

  it('delivers retained messages on subscribe: after the SUBACK, REGISTER first for a wildcard match', async () => {
    const h = await startHarness();
    const base = unique('ret');
    const w = await h.watcher();
    await w.publishAsync(`${base}/a`, 'retained-a', { retain: true, qos: 1 });
    const c = await h.client();
    await c.connect(unique('r'));
    // Plain name: SUBACK carries the id, then the retained PUBLISH uses it.
    const sub = await c.subscribe(`${base}/a`, 1);
    const pub = await c.expect(MsgType.PUBLISH);
    expect(pub).toMatchObject({ retain: true, topic: { kind: 'normal', id: sub.topicId } });
    expect(pub.data.toString()).toBe('retained-a');
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: pub.msgId, returnCode: 0 });
    // Wildcard on a second client: REGISTER precedes the retained PUBLISH.
    const c2 = await h.client();
    await c2.connect(unique('r2'));
    const sub2 = await c2.subscribe(`${base}/#`, 1);
    expect(sub2.topicId).toBe(0);
    const reg = await c2.expect(MsgType.REGISTER);
    expect(reg.topicName).toBe(`${base}/a`);
    await c2.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    const pub2 = await c2.expect(MsgType.PUBLISH);
    expect(pub2).toMatchObject({ retain: true, topic: { kind: 'normal', id: reg.topicId } });
    await w.publishAsync(`${base}/a`, '', { retain: true, qos: 1 });
  });

  it('UNSUBSCRIBE is always answered with UNSUBACK and stops delivery', async () => {
    const h = await startHarness();
    const topic = unique('uns');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('u'));
    await c.subscribe(topic, 0);
    // Premise: the subscription delivers before the UNSUBSCRIBE.
    await w.publishAsync(topic, 'before', { qos: 1 });
    expect((await c.expect(MsgType.PUBLISH)).data.toString()).toBe('before');
    await c.send({ type: MsgType.UNSUBSCRIBE, msgId: 50, topic: { kind: 'name', name: topic } });
    expect(await c.expect(MsgType.UNSUBACK)).toMatchObject({ msgId: 50 });
    await w.publishAsync(topic, 'after', { qos: 1 });
    await c.expectNothing(200);
    await c.send({ type: MsgType.UNSUBSCRIBE, msgId: 51, topic: { kind: 'predefined', id: 999 } });
    expect(await c.expect(MsgType.UNSUBACK)).toMatchObject({ msgId: 51 });
  });
});
