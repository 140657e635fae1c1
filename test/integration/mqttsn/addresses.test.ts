import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN address changes and port reuse', () => {
  it('a PINGREQ naming a client that is connected elsewhere is ignored; downlink stays on the old address', async () => {
    const h = await startHarness();
    const topic = unique('stay');
    const w = await h.watcher();
    const c = await h.client();
    const id = unique('stay');
    await c.connect(id);
    await c.subscribe(topic, 0);
    const other = await c.rebind();
    await other.send({ type: MsgType.PINGREQ, clientId: id });
    await other.expectNothing(150);
    await w.publishAsync(topic, 'here');
    expect((await c.expect(MsgType.PUBLISH)).data.toString()).toBe('here');
    await other.close();
  });

  it("another client id connecting from a sleeper's address leaves the sleeper its session; it wakes elsewhere", async () => {
    const h = await startHarness();
    const topic = unique('reuse');
    const w = await h.watcher();
    const sleeper = await h.client();
    const sleeperId = unique('sleeper');
    await sleeper.connect(sleeperId);
    const sub = await sleeper.subscribe(topic, 1);
    await sleeper.send({ type: MsgType.DISCONNECT, duration: 30 });
    await sleeper.expect(MsgType.DISCONNECT);
    // The same socket (address + port) now belongs to a different device.
    await sleeper.connect(unique('newcomer'));
    expect(h.gateway.sessionCount).toBe(2);
    await w.publishAsync(topic, 'for-sleeper', { qos: 1 });
    await sleeper.expectNothing(150);
    const woke = await sleeper.rebind();
    await woke.send({ type: MsgType.PINGREQ, clientId: sleeperId });
    const p = await woke.expect(MsgType.PUBLISH);
    expect(p).toMatchObject({ topic: { kind: 'normal', id: sub.topicId } });
    expect(p.data.toString()).toBe('for-sleeper');
    await woke.send({ type: MsgType.PUBACK, topicId: sub.topicId, msgId: p.msgId, returnCode: 0 });
    await woke.expect(MsgType.PINGRESP);
    await woke.close();
  });

  it("another client id connecting from an active client's address ends the old clean session", async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('first'));
    await c.connect(unique('second'));
    await sleep(100);
    expect(h.gateway.sessionCount).toBe(1);
    await c.send({ type: MsgType.PINGREQ });
    await c.expect(MsgType.PINGRESP);
  });
});
