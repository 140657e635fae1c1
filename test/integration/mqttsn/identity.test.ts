import { describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, startHarness, unique } from './harness.js';

describe('MQTT-SN upstream identity: mountpoint and clientinfo_override', () => {
  it('prepends the mountpoint upstream and strips it downstream; the device never sees it', async () => {
    const mp = `${unique('mp')}/`;
    const h = await startHarness({ mountpoint: mp });
    const w = await h.watcher();
    await w.subscribeAsync(`${mp}abc`);
    const c = await h.client();
    await c.connect(unique('m'));
    const sub = await c.subscribe('abc', 1);
    const got = nextMessage(w, `${mp}abc`);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: sub.topicId }, msgId: 5, data: Buffer.from('rt') });
    expect((await got).payload.toString()).toBe('rt');
    const packets = [await c.next(), await c.next()];
    const echo = packets.find((p) => p.type === MsgType.PUBLISH);
    expect(echo).toMatchObject({ topic: { kind: 'normal', id: sub.topicId } });
    // A broker message outside the subscription's mountpoint-relative name never reaches the device.
    await w.publishAsync('abc', 'no-prefix', { qos: 1 });
    await c.expectNothing(150);
  });

  it('fills ${clientid} templates: clientinfo_override.clientid, then the mountpoint with the resulting id', async () => {
    const prefix = unique('ov');
    const h = await startHarness({
      mountpoint: `${prefix}/\${clientid}/`,
      clientinfo_override: { clientid: 'gw-${clientid}', username: '${clientid}', password: 'pw' },
    });
    const w = await h.watcher();
    const device = unique('dev');
    const topic = `${prefix}/gw-${device}/data`;
    await w.subscribeAsync(topic);
    const c = await h.client();
    await c.connect(device);
    const id = await c.register('data');
    const got = nextMessage(w, topic);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 1, data: Buffer.from('x') });
    await c.expect(MsgType.PUBACK);
    expect((await got).topic).toBe(topic);
  });
});
