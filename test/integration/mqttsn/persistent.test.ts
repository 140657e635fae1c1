import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { sleep, startHarness, unique } from './harness.js';

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
