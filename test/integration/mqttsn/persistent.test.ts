import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN persistent sessions (clean session off)', () => {
  it('subscriptions, topic ids and messages queued meanwhile survive a DISCONNECT', async () => {
    const h = await startHarness();
    const topic = unique('keep');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('p');
    await c.connect(id, { cleanSession: false });
    const sub = await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(100);
    await w.publishAsync(topic, 'while-away', { qos: 1 });
    await sleep(100);
    const again = await h.client();
    await again.connect(id, { cleanSession: false });
    const p = await again.expect(MsgType.PUBLISH);
    expect(p.data.toString()).toBe('while-away');
    expect(p.topic).toEqual({ kind: 'normal', id: sub.topicId });
    await again.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p.msgId, returnCode: 0 });
    // The registration survived too.
    expect(await again.register(topic)).toBe(sub.topicId);
  });

  it('an empty ClientId gets a generated id and clean session: nothing is kept after DISCONNECT, even with CleanSession 0', async () => {
    const h = await startHarness();
    const before = h.gateway.sessionCount;
    for (let i = 0; i < 5; i++) {
      const c = await h.client();
      expect((await c.connect('', { cleanSession: false })).returnCode).toBe(0);
      await c.send({ type: MsgType.DISCONNECT });
      await c.expect(MsgType.DISCONNECT);
    }
    // Kept, each would hold a session nobody can resume until session expiry.
    await expect.poll(() => h.gateway.sessionCount, { timeout: 2000 }).toBe(before);
    // A named persistent session is still kept.
    const named = await h.client();
    await named.connect(unique('kept'), { cleanSession: false });
    await named.send({ type: MsgType.DISCONNECT });
    await named.expect(MsgType.DISCONNECT);
    await sleep(100);
    expect(h.gateway.sessionCount).toBe(before + 1);
  });

  it('a clean session start forgets the old subscriptions', async () => {
    const h = await startHarness();
    const topic = unique('forget');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('f');
    await c.connect(id, { cleanSession: false });
    await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(50);
    await c.connect(id, { cleanSession: true });
    await w.publishAsync(topic, 'gone', { qos: 1 });
    await c.expectNothing(200);
    // The clean session is live and the topic deliverable once subscribed again: only the new message arrives.
    await c.subscribe(topic, 1);
    await w.publishAsync(topic, 'fresh', { qos: 0 });
    const p = await c.expect(MsgType.PUBLISH);
    expect(p.data.toString()).toBe('fresh');
    await c.expectNothing(100);
  });

  it('subs_resume: every subscribed non-wildcard topic is REGISTERed on reconnect before replaying', async () => {
    const h = await startHarness({ subs_resume: true });
    const t1 = unique('res1');
    const t2 = unique('res2');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('sr');
    await c.connect(id, { cleanSession: false });
    const s1 = await c.subscribe(t1, 1);
    const s2 = await c.subscribe(t2, 1);
    await c.subscribe(`${unique('wc')}/#`, 1);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(100);
    await w.publishAsync(t2, 'queued', { qos: 1 });
    await sleep(100);
    const again = await h.client();
    await again.connect(id, { cleanSession: false });
    const regs = [];
    for (let i = 0; i < 2; i += 1) {
      const reg = await again.expect(MsgType.REGISTER);
      regs.push(reg);
      await again.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    }
    expect(regs.map((r) => [r.topicName, r.topicId])).toEqual([
      [t1, s1.topicId],
      [t2, s2.topicId],
    ]);
    const p = await again.expect(MsgType.PUBLISH);
    expect(p.data.toString()).toBe('queued');
    expect(p.topic).toEqual({ kind: 'normal', id: s2.topicId });
  });

  it('subs_resume with a predefined topic: REGISTER carries the predefined id; queued messages then replay in order, one at a time', async () => {
    const pre = unique('pre');
    const h = await startHarness({ subs_resume: true, predefined: [{ id: 7, topic: pre }] });
    const plain = unique('plain');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('srp');
    await c.connect(id, { cleanSession: false });
    expect((await c.subscribe({ kind: 'predefined', id: 7 }, 2)).topicId).toBe(7);
    const sub = await c.subscribe(plain, 2);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    await sleep(100);
    await w.publishAsync(pre, 'one', { qos: 1 });
    // All QoS 1: MQTT orders messages per QoS only (MQTT.js hands a QoS 2 message over at PUBREL).
    await w.publishAsync(plain, 'two', { qos: 1 });
    await w.publishAsync(pre, 'three', { qos: 1 });
    await sleep(100);
    const again = await h.client();
    await again.connect(id, { cleanSession: false });
    const regs = [];
    for (let i = 0; i < 2; i += 1) {
      const reg = await again.expect(MsgType.REGISTER);
      regs.push([reg.topicName, reg.topicId]);
      await again.expectNothing(50); // one REGISTER at a time, nothing before its REGACK
      await again.send({ type: MsgType.REGACK, topicId: reg.topicId, msgId: reg.msgId, returnCode: 0 });
    }
    expect(regs.sort()).toEqual(
      [
        [plain, sub.topicId],
        [pre, 7],
      ].sort(),
    );
    const got: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const p = await again.expect(MsgType.PUBLISH);
      got.push(p.data.toString());
      await again.expectNothing(50); // window of 1: the next waits for this one's acknowledgement
      const topicId = p.data.toString() === 'two' ? sub.topicId : 7;
      expect(p.topic).toEqual(topicId === 7 ? { kind: 'predefined', id: 7 } : { kind: 'normal', id: topicId });
      await again.send({ type: MsgType.PUBACK, topicId, msgId: p.msgId, returnCode: 0 });
    }
    expect(got).toEqual(['one', 'two', 'three']);
  });

  it("clean session off: a lost client's will is still published, and the session is kept", async () => {
    const h = await startHarness();
    const willTopic = unique('pwill');
    const w = await h.watcher();
    await w.subscribeAsync(willTopic);
    const will = nextMessage(w, willTopic, 4000);
    const c = await h.client();
    await c.connect(unique('pw'), { cleanSession: false, duration: 1, will: { topic: willTopic, message: 'kept but lost' } });
    await c.expect(MsgType.DISCONNECT, 3000);
    expect((await will).payload.toString()).toBe('kept but lost');
    expect(h.gateway.sessionCount).toBe(1);
  });

  it('undelivered QoS 1 messages survive a loss and are resent (DUP) on reconnect', async () => {
    const h = await startHarness({ retry_interval: '5s' });
    const topic = unique('inflight');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('ifl');
    await c.connect(id, { cleanSession: false, duration: 1 });
    const sub = await c.subscribe(topic, 1);
    await w.publishAsync(topic, 'pending', { qos: 1 });
    const p = await c.expect(MsgType.PUBLISH);
    // No PUBACK, and silence: keepalive loss.
    await c.expect(MsgType.DISCONNECT, 3000);
    const again = await h.client();
    await again.connect(id, { cleanSession: false });
    const resent = await again.expect(MsgType.PUBLISH);
    expect(resent).toMatchObject({ dup: true, msgId: p.msgId, topic: { kind: 'normal', id: sub.topicId } });
    expect(resent.data.toString()).toBe('pending');
  });

  it('after session_expiry the kept session is gone, on the gateway and on the broker', async () => {
    const h = await startHarness({ session_expiry: '300ms' });
    const topic = unique('exp');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('exp');
    await c.connect(id, { cleanSession: false });
    await c.subscribe(topic, 1);
    await c.send({ type: MsgType.DISCONNECT });
    await c.expect(MsgType.DISCONNECT);
    expect(h.gateway.sessionCount).toBe(1);
    await sleep(900);
    expect(h.gateway.sessionCount).toBe(0);
    await w.publishAsync(topic, 'too-late', { qos: 1 });
    await c.connect(id, { cleanSession: false });
    await c.expectNothing(200);
  });
});
