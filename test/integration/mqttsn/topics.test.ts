import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, startHarness, unique } from './harness.js';

describe('MQTT-SN topic ids (§6.5, §6.7)', () => {
  it('REGISTER: ids from 1025, the same name gets the same id, wildcards refused 0x03', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('r'));
    const a = unique('a');
    const idA = await c.register(a);
    const idB = await c.register(unique('b'));
    expect(idA).toBe(1025);
    expect(idB).toBe(1026);
    expect(await c.register(a)).toBe(idA);
    for (const name of ['x/#', 'x/+/y']) {
      await c.send({ type: MsgType.REGISTER, topicId: 0, msgId: 99, topicName: name });
      expect(await c.expect(MsgType.REGACK)).toMatchObject({ topicId: 0, msgId: 99, returnCode: ReturnCode.NOT_SUPPORTED });
    }
  });

  it('predefined topics: REGISTER of the name returns the predefined id; PUBLISH by predefined id reaches the broker', async () => {
    const topic = unique('pre/t');
    const h = await startHarness({ predefined: [{ id: 7, topic }] });
    const w = await h.watcher();
    await w.subscribeAsync(topic);
    const c = await h.client();
    await c.connect(unique('p'));
    expect(await c.register(topic)).toBe(7);
    const got = nextMessage(w, topic);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'predefined', id: 7 }, msgId: 2, data: Buffer.from('pre') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ topicId: 7, msgId: 2, returnCode: 0 });
    expect((await got).payload.toString()).toBe('pre');
  });

  it('invalid topic ids are answered PUBACK 0x02, also for QoS 0; unknown predefined id too', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('inv'));
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 0, retain: false, topic: { kind: 'normal', id: 4000 }, msgId: 0, data: Buffer.from('x') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ topicId: 4000, returnCode: ReturnCode.INVALID_TOPIC_ID });
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'predefined', id: 5 }, msgId: 8, data: Buffer.from('x') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ topicId: 5, msgId: 8, returnCode: ReturnCode.INVALID_TOPIC_ID });
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'short', name: '/#' }, msgId: 9, data: Buffer.from('x') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 9, returnCode: ReturnCode.NOT_SUPPORTED });
  });

  it('short topic names both ways: PUBACK echoes the two characters; downlink uses the short form', async () => {
    const h = await startHarness({ mountpoint: `${unique('mp')}/` });
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('s'));
    const sub = await c.subscribe({ kind: 'short', name: 'ab' }, 1);
    expect(sub).toMatchObject({ topicId: 0, returnCode: 0 });
    await w.subscribeAsync(`${h.config.mountpoint}ab`);
    const got = nextMessage(w, `${h.config.mountpoint}ab`);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'short', name: 'ab' }, msgId: 4, data: Buffer.from('hi') });
    const [first, second] = [await c.next(), await c.next()];
    const puback = [first, second].find((p) => p.type === MsgType.PUBACK);
    const echo = [first, second].find((p) => p.type === MsgType.PUBLISH);
    expect(puback).toMatchObject({ topicId: 0x6162, msgId: 4, returnCode: 0 });
    expect(echo).toMatchObject({ topic: { kind: 'short', name: 'ab' }, qos: 1 });
    expect((await got).payload.toString()).toBe('hi');
  });

  it('a wildcard subscription gets a gateway REGISTER before the first PUBLISH, which waits for the REGACK', async () => {
    const h = await startHarness();
    const base = unique('wild');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('g'));
    expect(await c.subscribe(`${base}/#`, 1)).toMatchObject({ topicId: 0, returnCode: 0 });
    await w.publishAsync(`${base}/temp`, 'v1', { qos: 1 });
    const reg = await c.expect(MsgType.REGISTER);
    expect(reg.topicName).toBe(`${base}/temp`);
    expect(reg.topicId).toBeGreaterThanOrEqual(1025);
    await c.expectNothing(150);
    await c.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    const pub = await c.expect(MsgType.PUBLISH);
    expect(pub).toMatchObject({ topic: { kind: 'normal', id: reg.topicId }, qos: 1 });
    expect(pub.data.toString()).toBe('v1');
    await c.send({ type: MsgType.PUBACK, topicId: reg.topicId, msgId: pub.msgId, returnCode: 0 });
    // Second message on the same topic: no REGISTER any more.
    await w.publishAsync(`${base}/temp`, 'v2', { qos: 0 });
    const pub2 = await c.expect(MsgType.PUBLISH);
    expect(pub2).toMatchObject({ topic: { kind: 'normal', id: reg.topicId }, qos: 0, msgId: 0 });
  });

  it('PUBACK 0x02 from the client makes the gateway REGISTER the topic again and resend', async () => {
    const h = await startHarness();
    const base = unique('rereg');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('rr'));
    await c.subscribe(`${base}/+`, 1);
    await w.publishAsync(`${base}/x`, 'm', { qos: 1 });
    const reg = await c.expect(MsgType.REGISTER);
    await c.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    const pub = await c.expect(MsgType.PUBLISH);
    await c.send({ type: MsgType.PUBACK, topicId: reg.topicId, msgId: pub.msgId, returnCode: ReturnCode.INVALID_TOPIC_ID });
    const reg2 = await c.expect(MsgType.REGISTER);
    expect(reg2).toMatchObject({ topicId: reg.topicId, topicName: `${base}/x` });
    await c.send({ type: MsgType.REGACK, topicId: reg2.topicId, msgId: reg2.msgId, returnCode: 0 });
    const again = await c.expect(MsgType.PUBLISH);
    expect(again.data.toString()).toBe('m');
    expect(again.topic).toEqual({ kind: 'normal', id: reg.topicId });
    await c.send({ type: MsgType.PUBACK, topicId: reg.topicId, msgId: again.msgId, returnCode: 0 });
    await c.expectNothing(100);
  });

  it('retransmits an unanswered gateway REGISTER, then declares the client lost', async () => {
    const h = await startHarness({ retry_interval: '200ms', max_retries: 1 });
    const base = unique('noack');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('na'));
    await c.subscribe(`${base}/#`, 0);
    await w.publishAsync(`${base}/t`, 'x');
    const first = await c.expect(MsgType.REGISTER);
    const again = await c.expect(MsgType.REGISTER, 1000);
    expect(again).toEqual(first);
    await c.expect(MsgType.DISCONNECT, 1000);
  });

  it('a REGACK with an error skips the messages waiting for that topic', async () => {
    const h = await startHarness();
    const base = unique('skip');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('sk'));
    await c.subscribe(`${base}/#`, 0);
    await w.publishAsync(`${base}/refused`, 'no');
    const reg = await c.expect(MsgType.REGISTER);
    await c.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: ReturnCode.NOT_SUPPORTED });
    await c.expectNothing(100);
    await w.publishAsync(`${base}/ok`, 'yes');
    const reg2 = await c.expect(MsgType.REGISTER);
    expect(reg2.topicName).toBe(`${base}/ok`);
    await c.send({ type: MsgType.REGACK, topicId: reg2.topicId, msgId: reg2.msgId, returnCode: 0 });
    expect((await c.expect(MsgType.PUBLISH)).data.toString()).toBe('yes');
  });
});
