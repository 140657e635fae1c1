import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { collect, nextMessage, sleep, startHarness, unique } from './harness.js';

/** Per-session strict ordering while the broker answers asynchronously, and connect races. */
describe('MQTT-SN ordering and races', () => {
  it('QoS 0 and QoS 1 PUBLISH immediately followed by DISCONNECT: both reach the broker, PUBACK comes before the DISCONNECT', async () => {
    const h = await startHarness();
    const topic = unique('ord');
    const w = await h.watcher();
    await w.subscribeAsync(`${topic}/#`, { qos: 1 });
    const seen = collect(w, topic);
    const c = await h.client();
    await c.connect(unique('ord'));
    const id = await c.register(`${topic}/a`);
    // No waiting between the three datagrams.
    void c.send({ type: MsgType.PUBLISH, dup: false, qos: 0, retain: false, topic: { kind: 'normal', id }, msgId: 0, data: Buffer.from('q0') });
    void c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 5, data: Buffer.from('q1') });
    void c.send({ type: MsgType.DISCONNECT });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 5, returnCode: 0 });
    await c.expect(MsgType.DISCONNECT);
    for (let i = 0; i < 50 && seen.length < 2; i += 1) await sleep(20);
    expect(seen.map((m) => m.payload)).toEqual(['q0', 'q1']);
    expect(h.gateway.sessionCount).toBe(0);
  });

  it('PUBREL for a MsgId the gateway does not know is still answered PUBCOMP (§6.8)', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('rel'));
    await c.send({ type: MsgType.PUBREL, msgId: 4242 });
    expect(await c.expect(MsgType.PUBCOMP)).toMatchObject({ msgId: 4242 });
  });

  it('a lost client reconnecting at once under the same client id: the will is still published, the new session works', async () => {
    const h = await startHarness();
    const willTopic = unique('lostwill');
    const w = await h.watcher();
    await w.subscribeAsync(willTopic);
    const will = nextMessage(w, willTopic, 4000);
    const clientId = unique('relost');
    const c = await h.client();
    await c.connect(clientId, { duration: 1, will: { topic: willTopic, message: 'gone' } });
    await c.expect(MsgType.DISCONNECT, 3000); // keepalive 1 s x 1.5 expired
    const again = await h.client();
    await again.connect(clientId, { duration: 30 });
    expect((await will).payload.toString()).toBe('gone');
    const topic = unique('after');
    const got = nextMessage(w, topic);
    await w.subscribeAsync(topic);
    await again.send({
      type: MsgType.PUBLISH,
      dup: false,
      qos: 1,
      retain: false,
      topic: { kind: 'normal', id: await again.register(topic) },
      msgId: 9,
      data: Buffer.from('alive'),
    });
    expect(await again.expect(MsgType.PUBACK)).toMatchObject({ msgId: 9, returnCode: 0 });
    expect((await got).payload.toString()).toBe('alive');
    expect(h.gateway.sessionCount).toBe(1);
  });

  it('two CONNECTs with the same new client id from two addresses at once: one session, the later peer gets exactly one CONNACK', async () => {
    const h = await startHarness();
    const clientId = unique('twin');
    const a = await h.client();
    const b = await h.client();
    const connect = { type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 30, clientId } as const;
    await Promise.all([a.send(connect), b.send(connect)]);
    expect((await b.expect(MsgType.CONNACK)).returnCode).toBe(0);
    await b.expectNothing(300);
    // The earlier peer was taken over: at most a CONNACK (if its connect had finished) and then DISCONNECT.
    const first = await a.next();
    if (first.type === MsgType.CONNACK) await a.expect(MsgType.DISCONNECT);
    else expect(first.type).toBe(MsgType.DISCONNECT);
    await a.expectNothing(0);
    expect(h.gateway.sessionCount).toBe(1);
    // The session is b's and works.
    await b.send({ type: MsgType.PINGREQ });
    await b.expect(MsgType.PINGRESP);
  });
});
