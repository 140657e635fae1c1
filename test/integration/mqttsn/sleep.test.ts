import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN sleeping clients (§6.14)', () => {
  it('DISCONNECT(duration) -> DISCONNECT; buffered messages on wake: REGISTER first, one by one, then PINGRESP', async () => {
    const h = await startHarness();
    const base = unique('sl');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('sleeper');
    await c.connect(id, { duration: 1 });
    await c.subscribe(`${base}/#`, 1);
    await c.send({ type: MsgType.DISCONNECT, duration: 5 });
    await c.expect(MsgType.DISCONNECT);
    await w.publishAsync(`${base}/t`, 'm1', { qos: 1 });
    await w.publishAsync(`${base}/t`, 'm2', { qos: 1 });
    // Asleep: nothing is sent, and keepalive (1 s) no longer applies.
    await c.expectNothing(1700);
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    const reg = await c.expect(MsgType.REGISTER);
    await c.expectNothing(100);
    await c.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    for (const want of ['m1', 'm2']) {
      const p = await c.expect(MsgType.PUBLISH);
      expect(p.data.toString()).toBe(want);
      await c.expectNothing(80);
      await c.send({ type: MsgType.PUBACK, topicId: reg.topicId, msgId: p.msgId, returnCode: 0 });
    }
    await c.expect(MsgType.PINGRESP);
    // Asleep again: a second wake-up with nothing buffered gets only PINGRESP.
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    await c.expect(MsgType.PINGRESP);
    await c.expectNothing(100);
  });

  it('QoS 2 buffered message: PUBLISH, PUBREC, PUBREL, PUBCOMP, then PINGRESP', async () => {
    const h = await startHarness();
    const topic = unique('sl2');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('s2');
    await c.connect(id);
    const sub = await c.subscribe(topic, 2);
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    await w.publishAsync(topic, 'q2', { qos: 2 });
    await sleep(100);
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    const p = await c.expect(MsgType.PUBLISH);
    expect(p).toMatchObject({ qos: 2, topic: { kind: 'normal', id: sub.topicId } });
    await c.send({ type: MsgType.PUBREC, msgId: p.msgId });
    await c.expect(MsgType.PUBREL);
    await c.expectNothing(80);
    await c.send({ type: MsgType.PUBCOMP, msgId: p.msgId });
    await c.expect(MsgType.PINGRESP);
  });

  it('buffer overflow drops the oldest messages and counts them', async () => {
    const h = await startHarness({ sleep_buffer_size: 2 });
    const topic = unique('ovf');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('ovf');
    await c.connect(id);
    const sub = await c.subscribe(topic, 0);
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    for (const n of ['1', '2', '3', '4']) await w.publishAsync(topic, n, { qos: 1 });
    await sleep(150);
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    const got = [await c.expect(MsgType.PUBLISH), await c.expect(MsgType.PUBLISH)];
    expect(got.map((p) => p.data.toString())).toEqual(['3', '4']);
    expect(got[0]?.topic).toEqual({ kind: 'normal', id: sub.topicId });
    await c.expect(MsgType.PINGRESP);
    expect(h.gateway.stats.sleepBufferOverflow).toBe(2);
  });

  it('CONNECT from asleep returns to active and delivers the buffer; the sleep timer no longer applies', async () => {
    const h = await startHarness();
    const topic = unique('wake');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('cw');
    await c.connect(id, { duration: 60 });
    const sub = await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT, duration: 1 });
    await c.expect(MsgType.DISCONNECT);
    await w.publishAsync(topic, 'buffered', { qos: 1 });
    await sleep(100);
    await c.send({ type: MsgType.CONNECT, will: false, cleanSession: false, protocolId: 1, duration: 60, clientId: id });
    expect((await c.expect(MsgType.CONNACK)).returnCode).toBe(0);
    const p = await c.expect(MsgType.PUBLISH);
    expect(p.data.toString()).toBe('buffered');
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p.msgId, returnCode: 0 });
    // 1 s sleep + 50 % tolerance would have expired by now; the client is active (keepalive 60 s).
    await sleep(1800);
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.PINGRESP);
    expect(h.gateway.sessionCount).toBe(1);
  });

  it('a sleeper that stays silent beyond duration + tolerance is lost and its will published', async () => {
    const h = await startHarness();
    const willTopic = unique('sleepwill');
    const w = await h.watcher();
    await w.subscribeAsync(willTopic);
    const c = await h.client();
    await c.connect(unique('sw'), { duration: 60, will: { topic: willTopic, message: 'slept away' } });
    await c.send({ type: MsgType.DISCONNECT, duration: 1 });
    await c.expect(MsgType.DISCONNECT);
    const will = nextMessage(w, willTopic, 4000);
    // 1 s + 50 %: nothing before 1.5 s.
    await sleep(1200);
    expect(h.gateway.sessionCount).toBe(1);
    expect((await will).payload.toString()).toBe('slept away');
    await sleep(50);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it('wakes from a new address (NAT rebinding): messages and PINGRESP go to the new port', async () => {
    const h = await startHarness();
    const topic = unique('nat');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('nat');
    await c.connect(id);
    const sub = await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    await w.publishAsync(topic, 'moved', { qos: 1 });
    await sleep(100);
    const moved = await c.rebind();
    await moved.send({ type: MsgType.PINGREQ, clientId: id });
    const p = await moved.expect(MsgType.PUBLISH);
    expect(p.data.toString()).toBe('moved');
    await moved.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p.msgId, returnCode: 0 });
    await moved.expect(MsgType.PINGRESP);
    await c.expectNothing(100);
    await moved.close();
  });

  it('CONNECT with the client id from a new address resumes a sleeper there', async () => {
    const h = await startHarness();
    const c = await h.client();
    const id = unique('natc');
    await c.connect(id);
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    const moved = await c.rebind();
    await moved.connect(id, { cleanSession: false });
    await moved.send({ type: MsgType.PINGREQ });
    await moved.expect(MsgType.PINGRESP);
    expect(h.gateway.sessionCount).toBe(1);
    await moved.close();
  });

  it('DISCONNECT(duration) while awake puts the client back to sleep; the unacknowledged message comes again (DUP) at the next wake', async () => {
    const h = await startHarness();
    const topic = unique('aw');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('aw');
    await c.connect(id);
    const sub = await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    await w.publishAsync(topic, 'm1', { qos: 1 });
    await w.publishAsync(topic, 'm2', { qos: 1 });
    await sleep(100);
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    const first = await c.expect(MsgType.PUBLISH);
    expect(first).toMatchObject({ dup: false, data: Buffer.from('m1') });
    // Awake, but the client goes back to sleep without acknowledging.
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    await c.expectNothing(500); // asleep: no retransmission (retry_interval is 300 ms), no m2
    await c.send({ type: MsgType.PINGREQ, clientId: id });
    const again = await c.expect(MsgType.PUBLISH);
    expect(again).toMatchObject({ dup: true, msgId: first.msgId, data: Buffer.from('m1') });
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: again.msgId, returnCode: 0 });
    const second = await c.expect(MsgType.PUBLISH);
    expect(second.data.toString()).toBe('m2');
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: second.msgId, returnCode: 0 });
    await c.expect(MsgType.PINGRESP);
    await c.expectNothing(100);
  });

  it('DISCONNECT without duration while asleep ends the session (no will)', async () => {
    const h = await startHarness();
    const willTopic = unique('nw');
    const w = await h.watcher();
    await w.subscribeAsync(willTopic);
    let wills = 0;
    w.on('message', () => (wills += 1));
    const c = await h.client();
    await c.connect(unique('da'), { will: { topic: willTopic, message: 'x' } });
    await c.send({ type: MsgType.DISCONNECT, duration: 10 });
    await c.expect(MsgType.DISCONNECT);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(200);
    expect(h.gateway.sessionCount).toBe(0);
    expect(wills).toBe(0);
  });
});
