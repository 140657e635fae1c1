import { describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import type { SnTestClient } from '../../helpers/sn-client.js';
import { collect, nextMessage, sleep, startHarness, unique } from './harness.js';

/** CONNECT with a client id given as raw octets (so invalid UTF-8 can be sent too). */
function rawConnect(clientId: Buffer, flags = 0x04): Buffer {
  const length = 6 + clientId.length;
  return Buffer.concat([Buffer.from([length, MsgType.CONNECT, flags, 0x01, 0x00, 0x3c]), clientId]);
}

async function connackFor(c: SnTestClient, clientId: Buffer): Promise<number> {
  await c.sendRaw(rawConnect(clientId));
  return (await c.expect(MsgType.CONNACK)).returnCode;
}

describe('MQTT-SN device-supplied names', () => {
  it('a client id that would change the mountpoint structure is refused CONNACK 0x03 and reaches no other client', async () => {
    const prefix = unique('mp');
    const h = await startHarness({ mountpoint: `${prefix}/\${clientid}/` });
    const w = await h.watcher();
    await w.subscribeAsync(`${prefix}/#`);
    const seen = collect(w, prefix);
    // Client "a" subscribes to everything below its own mountpoint.
    const a = await h.client();
    await a.connect('a');
    expect((await a.subscribe('#', 1)).returnCode).toBe(0);
    // "a/b" would publish into a's subtree (sn/a/b/...): refused before any broker session exists.
    const intruder = await h.client();
    expect(await connackFor(intruder, Buffer.from('a/b'))).toBe(ReturnCode.NOT_SUPPORTED);
    await intruder.send({ type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: 'x' });
    expect(await intruder.expect(MsgType.DISCONNECT)).toBeDefined(); // not connected: §5.4.21
    for (const bad of ['+', '#', 'x+y', 'a#', 'nul\u0000id', 'tab\tid', 'del\u007fid', '$SYS']) {
      const c = await h.client();
      expect(await connackFor(c, Buffer.from(bad, 'utf8')), JSON.stringify(bad)).toBe(ReturnCode.NOT_SUPPORTED);
    }
    // Invalid UTF-8 (a lone continuation octet, an overlong "/", an encoded surrogate) is refused the same way.
    for (const bad of [
      [0x61, 0x80],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
    ]) {
      const c = await h.client();
      expect(await connackFor(c, Buffer.from(bad)), Buffer.from(bad).toString('hex')).toBe(ReturnCode.NOT_SUPPORTED);
    }
    expect(h.gateway.sessionCount).toBe(1);
    // EMQX-style ids with ':' '.' '-' '@' and non-ASCII letters still work, each in its own subtree.
    for (const good of ['urn:dev:1', 'dev-1.a@site', 'gerät']) {
      const c = await h.client();
      await c.connect(good);
      const id = await c.register('data');
      const got = nextMessage(w, `${prefix}/${good}/data`);
      await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 9, data: Buffer.from(good) });
      expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 9, returnCode: 0 });
      expect((await got).payload.toString()).toBe(good);
    }
    await a.expectNothing(100);
    expect(seen.every((m) => !m.topic.startsWith(`${prefix}/a/`))).toBe(true);
  });

  it('topic names and filters: wildcards, NUL and invalid UTF-8 get the protocol rejection codes', async () => {
    const prefix = unique('tn');
    const h = await startHarness({ mountpoint: `${prefix}/` });
    const w = await h.watcher();
    await w.subscribeAsync(`${prefix}/#`);
    const seen = collect(w, prefix);
    const c = await h.client();
    await c.connect(unique('names'));

    // REGISTER (§5.4.10): 0x03 "rejected: not supported" for a name that cannot be published to.
    const register = async (name: Buffer): Promise<number> => {
      const msgId = c.nextMsgId();
      await c.sendRaw(Buffer.concat([Buffer.from([6 + name.length, MsgType.REGISTER, 0, 0, msgId >> 8, msgId & 0xff]), name]));
      const ack = await c.expect(MsgType.REGACK);
      expect(ack.msgId).toBe(msgId);
      expect(ack.topicId).toBe(0);
      return ack.returnCode;
    };
    // Control characters and noncharacters too: mosquitto closes the connection that carries them.
    for (const bad of [
      Buffer.from('a/+'),
      Buffer.from('a/#'),
      Buffer.from('a\u0000b'),
      Buffer.from([0x61, 0xff]),
      Buffer.from([0xed, 0xb0, 0x80]),
      Buffer.from('a\u0001b'),
      Buffer.from('a\u0085'),
      Buffer.from('a\uffff'),
    ]) {
      expect(await register(bad), bad.toString('hex')).toBe(ReturnCode.NOT_SUPPORTED);
    }

    // SUBSCRIBE with a topic name (§5.4.15): 0x03 for a malformed filter, invalid UTF-8 or NUL.
    const subscribe = async (filter: Buffer): Promise<number> => {
      const msgId = c.nextMsgId();
      await c.sendRaw(Buffer.concat([Buffer.from([5 + filter.length, MsgType.SUBSCRIBE, 0x20, msgId >> 8, msgId & 0xff]), filter]));
      const ack = await c.expect(MsgType.SUBACK);
      expect(ack.msgId).toBe(msgId);
      return ack.returnCode;
    };
    for (const bad of [
      Buffer.from('a/#/b'),
      Buffer.from('a+'),
      Buffer.from('x\u0000'),
      Buffer.from([0x2f, 0xc3]),
      Buffer.from('x\u0007/#'),
      Buffer.from('\ufdd0'),
    ]) {
      expect(await subscribe(bad), bad.toString('hex')).toBe(ReturnCode.NOT_SUPPORTED);
    }
    expect(await subscribe(Buffer.from('ok/+'))).toBe(0);

    // PUBLISH with a short topic name (§5.4.12): wildcards, NUL and invalid UTF-8 -> PUBACK 0x03; nothing published.
    for (const [name, qos] of [
      [[0x61, 0x23], 1],
      [[0x00, 0x61], 1],
      [[0xff, 0xfe], 1],
      [[0x2b, 0x2b], 0],
    ] as const) {
      const flags = (qos === 1 ? 0x20 : 0) | 0x02;
      await c.sendRaw(Buffer.from([9, MsgType.PUBLISH, flags, name[0], name[1], 0x00, 0x07, 0x68, 0x69]));
      const ack = await c.expect(MsgType.PUBACK);
      expect(ack, Buffer.from(name).toString('hex')).toMatchObject({ msgId: 7, returnCode: ReturnCode.NOT_SUPPORTED });
    }
    // TopicIdType 0b11 (long topic names exist only in MQTT-SN 2.0): PUBACK 0x03.
    await c.sendRaw(Buffer.from([9, MsgType.PUBLISH, 0x23, 0x61, 0x62, 0x00, 0x06, 0x68, 0x69]));
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 6, returnCode: ReturnCode.NOT_SUPPORTED });
    // A PUBLISH to an id nobody registered: 0x02 invalid topic id.
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: 4242 }, msgId: 8, data: Buffer.from('x') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 8, returnCode: ReturnCode.INVALID_TOPIC_ID });

    // WILLTOPICUPD (§5.4.22): WILLTOPICRESP 0x03 for a wildcard, NUL or invalid UTF-8 will topic.
    for (const bad of [Buffer.from('w/#'), Buffer.from('w\u0000'), Buffer.from([0x77, 0xfe])]) {
      await c.sendRaw(Buffer.concat([Buffer.from([3 + bad.length, MsgType.WILLTOPICUPD, 0x00]), bad]));
      expect((await c.expect(MsgType.WILLTOPICRESP)).returnCode, bad.toString('hex')).toBe(ReturnCode.NOT_SUPPORTED);
    }

    // The session is intact and a good name still works.
    const id = await c.register('fine');
    const got = nextMessage(w, `${prefix}/fine`);
    await c.send({ type: MsgType.PUBLISH, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id }, msgId: 10, data: Buffer.from('ok') });
    expect(await c.expect(MsgType.PUBACK)).toMatchObject({ msgId: 10, returnCode: 0 });
    await got;
    await sleep(50);
    expect(seen.map((m) => m.topic)).toEqual([`${prefix}/fine`]);
    expect(h.gateway.stats.malformed).toBe(0);
  });

  it('WILLTOPIC with invalid UTF-8 or a wildcard ends the handshake with CONNACK 0x03', async () => {
    const h = await startHarness();
    for (const bad of [Buffer.from([0x77, 0x2f, 0xc0]), Buffer.from('w/+')]) {
      const c = await h.client();
      await c.sendRaw(rawConnect(Buffer.from(unique('w')), 0x0c));
      await c.expect(MsgType.WILLTOPICREQ);
      await c.sendRaw(Buffer.concat([Buffer.from([3 + bad.length, MsgType.WILLTOPIC, 0x00]), bad]));
      expect((await c.expect(MsgType.CONNACK)).returnCode).toBe(ReturnCode.NOT_SUPPORTED);
    }
    expect(h.gateway.sessionCount).toBe(0);
  });
});
