import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { collect, nextMessage, sleep, startHarness, unique } from './harness.js';

async function connectAndRegister(h: Awaited<ReturnType<typeof startHarness>>, topic: string): Promise<{ c: SnTestClient; id: number }> {
  const c = await h.client();
  await c.connect(unique('pub'));
  return { c, id: await c.register(topic) };
}

describe('MQTT-SN publish (§6.8, §6.12, §6.13)', () => {
  it('QoS 0 uplink reaches the broker with its retain flag', async () => {
    const h = await startHarness();
    const topic = unique('q0');
    const { c, id } = await connectAndRegister(h, topic);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 0, retain: true, topic: { kind: 'normal', id }, msgId: 0, data: Buffer.from('kept') });
    await sleep(100);
    const w = await h.watcher();
    const got = nextMessage(w, topic);
    await w.subscribeAsync(topic);
    const m = await got;
    expect(m.payload.toString()).toBe('kept');
    expect(m.retain).toBe(true);
    await w.publishAsync(topic, '', { retain: true });
  });

  it('QoS 2 uplink: PUBREC after the broker accepted; a duplicate is not re-published; PUBREL -> PUBCOMP', async () => {
    const h = await startHarness();
    const topic = unique('q2');
    const w = await h.watcher();
    await w.subscribeAsync(topic, { qos: 2 });
    const seen = collect(w, topic);
    const { c, id } = await connectAndRegister(h, topic);
    const publish = { type: MsgType.PUBLISH, dup: false, qos: 2, retain: false, topic: { kind: 'normal', id }, msgId: 11, data: Buffer.from('once') } as const;
    await c.send(publish);
    expect(await c.expect(MsgType.PUBREC)).toMatchObject({ msgId: 11 });
    await c.send({ ...publish, dup: true });
    expect(await c.expect(MsgType.PUBREC)).toMatchObject({ msgId: 11 });
    await c.send({ type: MsgType.PUBREL, msgId: 11 });
    expect(await c.expect(MsgType.PUBCOMP)).toMatchObject({ msgId: 11 });
    await sleep(200);
    expect(seen).toEqual([{ topic, payload: 'once' }]);
  });

  it('QoS 1 uplink: a DUP retransmission of the PUBLISH just acknowledged is answered again, not re-published (§6.13)', async () => {
    const h = await startHarness();
    const topic = unique('q1dup');
    const w = await h.watcher();
    await w.subscribeAsync(topic, { qos: 1 });
    const seen = collect(w, topic);
    const { c, id } = await connectAndRegister(h, topic);
    const publish = { type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 21, data: Buffer.from('one') } as const;
    await c.send(publish);
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 21, returnCode: ReturnCode.ACCEPTED });
    await c.send({ ...publish, dup: true });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 21, returnCode: ReturnCode.ACCEPTED });
    // The same MsgId without DUP is a new message (MsgIds are reused).
    await c.send({ ...publish, data: Buffer.from('two') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 21, returnCode: ReturnCode.ACCEPTED });
    await sleep(200);
    expect(seen).toEqual([
      { topic, payload: 'one' },
      { topic, payload: 'two' },
    ]);
  });

  it('QoS -1 from an unknown address: predefined id and short name published as QoS 0', async () => {
    const pre = unique('qm1');
    const mp = `${unique('m')}/`;
    const h = await startHarness({ predefined: [{ id: 3, topic: pre }], mountpoint: mp });
    const w = await h.watcher();
    await w.subscribeAsync([`${mp}${pre}`, `${mp}zz`]);
    const c = await h.client();
    const first = nextMessage(w, `${mp}${pre}`);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'predefined', id: 3 }, msgId: 0, data: Buffer.from('n1') });
    expect((await first).payload.toString()).toBe('n1');
    const second = nextMessage(w, `${mp}zz`);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'short', name: 'zz' }, msgId: 0, data: Buffer.from('n2') });
    const m = await second;
    expect(m.payload.toString()).toBe('n2');
    expect(m.qos).toBe(0);
    await c.expectNothing(100);
  });

  it('QoS -1 from an unknown address with a normal topic id (or an unknown predefined id) is dropped', async () => {
    const h = await startHarness({ predefined: [{ id: 4, topic: unique('p4') }] });
    const c = await h.client();
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'normal', id: 1025 }, msgId: 0, data: Buffer.from('x') });
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'predefined', id: 5 }, msgId: 0, data: Buffer.from('x') });
    await c.expectNothing(150);
    expect(h.gateway.stats.dropped).toBe(2);
  });

  it('QoS -1 disabled (enable_qos3 false): PUBACK 0x03', async () => {
    const h = await startHarness({ enable_qos3: false });
    const c = await h.client();
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: -1, retain: false, topic: { kind: 'short', name: 'ab' }, msgId: 0, data: Buffer.from('x') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ returnCode: ReturnCode.NOT_SUPPORTED });
  });

  it('QoS -1 from a connected client is QoS 0 (any id type) and comes back as QoS 0', async () => {
    const h = await startHarness();
    const topic = unique('own');
    const c = await h.client();
    await c.connect(unique('n'));
    const sub = await c.subscribe(topic, 0);
    await c.send({
      type: MsgType.PUBLISH,
      dup: false,
      qos: -1,
      retain: false,
      topic: { kind: 'normal', id: sub.topicId },
      msgId: 0,
      data: Buffer.from('self'),
    });
    const echo = await c.expect(MsgType.PUBLISH);
    expect(echo).toMatchObject({ qos: 0, msgId: 0, topic: { kind: 'normal', id: sub.topicId } });
  });

  it('downlink QoS 0, 1 and 2 with PUBACK / PUBREC / PUBREL / PUBCOMP, retain flag kept', async () => {
    const h = await startHarness();
    const topic = unique('down');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('d'));
    const sub = await c.subscribe(topic, 2);
    expect(sub.qos).toBe(2);
    await w.publishAsync(topic, 'zero', { qos: 0 });
    expect(await c.expect(MsgType.PUBLISH)).toMatchObject({ qos: 0, msgId: 0, topic: { kind: 'normal', id: sub.topicId } });
    await w.publishAsync(topic, 'one', { qos: 1 });
    const p1 = await c.expect(MsgType.PUBLISH);
    expect(p1.qos).toBe(1);
    expect(p1.msgId).toBeGreaterThan(0);
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p1.msgId, returnCode: 0 });
    await w.publishAsync(topic, 'two', { qos: 2, retain: true });
    const p2 = await c.expect(MsgType.PUBLISH);
    expect(p2).toMatchObject({ qos: 2 });
    expect(p2.data.toString()).toBe('two');
    await c.send({ type: MsgType.PUBREC, msgId: p2.msgId });
    expect(await c.expect(MsgType.PUBREL)).toMatchObject({ msgId: p2.msgId });
    await c.send({ type: MsgType.PUBCOMP, msgId: p2.msgId });
    await c.expectNothing(100);
    await w.publishAsync(topic, '', { retain: true, qos: 1 });
  });

  it('retransmits an unacknowledged downlink PUBLISH every retry_interval with DUP, then declares the client lost', async () => {
    const h = await startHarness({ retry_interval: '200ms', max_retries: 2 });
    const topic = unique('retry');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('rt'), { duration: 60 });
    await c.subscribe(topic, 1);
    await w.publishAsync(topic, 'r', { qos: 1 });
    const first = await c.expect(MsgType.PUBLISH);
    expect(first.dup).toBe(false);
    const second = await c.expect(MsgType.PUBLISH, 1000);
    const third = await c.expect(MsgType.PUBLISH, 1000);
    for (const again of [second, third]) expect(again).toMatchObject({ dup: true, msgId: first.msgId });
    await c.expect(MsgType.DISCONNECT, 1000);
    await sleep(50);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it('keeps downlink order with an in-flight window of 1', async () => {
    const h = await startHarness();
    const topic = unique('order');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('o'));
    const sub = await c.subscribe(topic, 1);
    for (const n of ['1', '2', '3']) await w.publishAsync(topic, n, { qos: 1 });
    const got: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const p = await c.expect(MsgType.PUBLISH);
      got.push(p.data.toString());
      await c.expectNothing(80); // nothing else until this one is acknowledged
      await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p.msgId, returnCode: 0 });
    }
    expect(got).toEqual(['1', '2', '3']);
  });

  it('a larger in-flight window sends several at once, still in order', async () => {
    const h = await startHarness({ max_inflight: 3 });
    const topic = unique('win');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('win'));
    await c.subscribe(topic, 1);
    for (const n of ['a', 'b', 'c']) await w.publishAsync(topic, n, { qos: 1 });
    const got = [await c.expect(MsgType.PUBLISH), await c.expect(MsgType.PUBLISH), await c.expect(MsgType.PUBLISH)];
    expect(got.map((p) => p.data.toString())).toEqual(['a', 'b', 'c']);
  });

  it('an in-flight window of 2 refills in order as acknowledgements arrive out of order; QoS 0 never overtakes', async () => {
    const h = await startHarness({ max_inflight: 2 });
    const topic = unique('win2');
    const w = await h.watcher();
    const c = await h.client();
    await c.connect(unique('win2'));
    const sub = await c.subscribe(topic, 1);
    for (const [n, qos] of [
      ['1', 1],
      ['2', 1],
      ['3', 0],
      ['4', 1],
      ['5', 1],
    ] as const)
      await w.publishAsync(topic, n, { qos });
    const take = async (): Promise<{ data: string; msgId: number; qos: number }> => {
      const p = await c.expect(MsgType.PUBLISH);
      return { data: p.data.toString(), msgId: p.msgId, qos: p.qos };
    };
    const one = await take();
    const two = await take();
    const three = await take();
    expect([one, two, three].map((p) => [p.data, p.qos])).toEqual([
      ['1', 1],
      ['2', 1],
      ['3', 0],
    ]);
    await c.expectNothing(100); // window full: 4 waits
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: two.msgId, returnCode: 0 });
    expect((await take()).data).toBe('4');
    await c.expectNothing(100);
    await c.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: one.msgId, returnCode: 0 });
    expect((await take()).data).toBe('5');
  });
});
