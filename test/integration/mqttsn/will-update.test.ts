import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { nextMessage, sleep, startHarness, unique } from './harness.js';

describe('MQTT-SN will updates (§6.4)', () => {
  it('WILLTOPICUPD and WILLMSGUPD change the will; the updated will is published on loss', async () => {
    const h = await startHarness();
    const oldTopic = unique('old');
    const newTopic = unique('new');
    const w = await h.watcher();
    await w.subscribeAsync([oldTopic, newTopic]);
    const seen: string[] = [];
    w.on('message', (t, p) => seen.push(`${t}=${p.toString()}`));
    const c = await h.client();
    await c.connect(unique('wu'), { duration: 1, will: { topic: oldTopic, message: 'old' } });
    await c.send({ type: MsgType.WILLTOPICUPD, qos: 1, retain: false, topic: newTopic });
    expect(await c.expect(MsgType.WILLTOPICRESP)).toMatchObject({ returnCode: 0 });
    await c.send({ type: MsgType.WILLMSGUPD, message: Buffer.from('updated') });
    expect(await c.expect(MsgType.WILLMSGRESP)).toMatchObject({ returnCode: 0 });
    const will = nextMessage(w, newTopic, 4000);
    await c.expect(MsgType.DISCONNECT, 3000);
    expect((await will).payload.toString()).toBe('updated');
    await sleep(200);
    expect(seen).toEqual([`${newTopic}=updated`]);
  });

  it('an empty WILLTOPICUPD deletes the will: nothing is published on loss', async () => {
    const h = await startHarness();
    const topic = unique('del');
    const w = await h.watcher();
    await w.subscribeAsync(topic);
    let count = 0;
    w.on('message', () => (count += 1));
    const c = await h.client();
    await c.connect(unique('wd'), { duration: 1, will: { topic, message: 'never' } });
    await c.send({ type: MsgType.WILLTOPICUPD, qos: 0, retain: false, topic: undefined });
    expect(await c.expect(MsgType.WILLTOPICRESP)).toMatchObject({ returnCode: 0 });
    await c.expect(MsgType.DISCONNECT, 3000);
    await sleep(300);
    expect(count).toBe(0);
  });

  it('WILLMSGUPD without a will is answered 0x03', async () => {
    const h = await startHarness();
    const c = await h.client();
    await c.connect(unique('wn'));
    await c.send({ type: MsgType.WILLMSGUPD, message: Buffer.from('m') });
    expect(await c.expect(MsgType.WILLMSGRESP)).toMatchObject({ returnCode: ReturnCode.NOT_SUPPORTED });
  });
});
