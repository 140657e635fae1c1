import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, queriesOf, uint, uintOptionOf, type DeviceMessage } from '../../helpers/lwm2m-device.js';
import type { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { isTlvContainer, parseTlv } from '../../../src/lwm2m/content/tlv.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

const TLV = 11542;

describe('LwM2M commands over MQTT, answers exactly as EMQX (default topics)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { ack_timeout: '200ms', max_retransmit: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  async function registered(opts: { lwm2m?: string; links?: string } = {}): Promise<{ dev: Lwm2mTestDevice; ep: string; cmd: string; resp: string }> {
    const ep = uniqueEp('cmd');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect(
      (await dev.register(ep, { lt: 300, lwm2m: opts.lwm2m, links: opts.links ?? '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>,</lwm2m/5/0>' })).code,
    ).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    return { dev, ep, cmd: `lwm2m/${ep}/command`, resp };
  }

  async function roundTrip(t: { dev: Lwm2mTestDevice; cmd: string }, command: unknown): Promise<DeviceMessage> {
    await h.mqtt.send(t.cmd, command);
    return t.dev.expectRequest();
  }

  it('read: GET on the alternate path, text answer, all top-level keys echoed', async () => {
    const t = await registered();
    const req = await roundTrip(t, { requestID: 'r1', cacheID: 'c1', msgType: 'read', data: { path: '/3/0/0' } });
    expect(req.code).toBe('0.01');
    expect(req.type).toBe('CON');
    expect(pathOf(req)).toBe('/lwm2m/3/0/0');
    expect(req.token.length).toBeGreaterThan(0);
    expect(uintOptionOf(req, 17)).toBeUndefined();
    t.dev.respond(req, { code: '2.05', format: 0, payload: 'EMQ' });
    expect(await h.mqtt.next(t.resp)).toEqual({
      requestID: 'r1',
      cacheID: 'c1',
      msgType: 'read',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'EMQ' }] },
    });
  });

  it('read: empty ACK -> ack, then the separate CON response -> result', async () => {
    const t = await registered();
    const req = await roundTrip(t, { reqID: 2, msgType: 'read', data: { path: '/3/0/0' } });
    t.dev.emptyAck(req);
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 2, msgType: 'ack', data: { path: '/3/0/0' } });
    const ack = await t.dev.sendResponse(req, { code: '2.05', format: 0, payload: 'EMQ' }, 'CON');
    expect(ack?.type).toBe('ACK');
    expect((await h.mqtt.next(t.resp)).data).toEqual({ code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'EMQ' }] });
  });

  it('read: TLV object instance typed by the model; query goes to Uri-Query', async () => {
    const t = await registered();
    const req = await roundTrip(t, { reqID: 3, msgType: 'read', data: { path: '/3/0?foo=bar' } });
    expect(pathOf(req)).toBe('/lwm2m/3/0');
    expect(queriesOf(req)).toEqual(['foo=bar']);
    // Resource 0 "Open Mobile Alliance", 9 battery level 100 (Integer, 1 byte), 13 current time (Time, 4 bytes).
    const tlv = Buffer.concat([
      Buffer.from([0xc8, 0x00, 20]),
      Buffer.from('Open Mobile Alliance'),
      Buffer.from([0xc1, 0x09, 100]),
      Buffer.from([0xc4, 0x0d, 0x5a, 0x8e, 0x3b, 0x80]),
    ]);
    t.dev.respond(req, { code: '2.05', format: TLV, payload: tlv });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 3,
      msgType: 'read',
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/3/0',
        content: [
          { path: '/3/0/0', value: 'Open Mobile Alliance' },
          { path: '/3/0/9', value: 100 },
          { path: '/3/0/13', value: 0x5a8e3b80 },
        ],
      },
    });
  });

  it('read: opaque -> base64; device errors -> code and codeMsg without content', async () => {
    const t = await registered();
    let req = await roundTrip(t, { msgType: 'read', data: { path: '/3/0/0' } });
    t.dev.respond(req, { code: '2.05', format: 42, payload: Buffer.from([1, 2, 3]) });
    expect((await h.mqtt.next(t.resp)).data).toEqual({ code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'AQID' }] });
    for (const [code, name] of [
      ['4.04', 'not_found'],
      ['4.01', 'unauthorized'],
      ['5.03', 'service_unavailable'],
    ] as const) {
      req = await roundTrip(t, { msgType: 'read', data: { path: '/3/0/1' } });
      t.dev.respond(req, { code });
      expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'read', data: { code, codeMsg: name, reqPath: '/3/0/1' } });
    }
  });

  it('read: RST -> coap_reset; silence -> coap_timeout after retransmission', async () => {
    const t = await registered();
    let req = await roundTrip(t, { reqID: 7, msgType: 'read', data: { path: '/3/0/0' } });
    t.dev.reset(req);
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 7, msgType: 'coap_reset', data: { path: '/3/0/0' } });
    req = await roundTrip(t, { reqID: 8, msgType: 'read', data: { path: '/3/0/1' } });
    const again = await t.dev.expectRequest(); // RFC 7252 §4.2 retransmission: same message id
    expect(again.messageId).toBe(req.messageId);
    expect(await h.mqtt.next(t.resp, 5000)).toEqual({ reqID: 8, msgType: 'coap_timeout', data: { path: '/3/0/1' } });
  });

  it('write single: PUT with a signed TLV integer; 2.04 -> changed', async () => {
    const t = await registered();
    const req = await roundTrip(t, { reqID: 9, msgType: 'write', data: { path: '/3/0/13', type: 'Integer', value: '12345' } });
    expect(req.code).toBe('0.03');
    expect(pathOf(req)).toBe('/lwm2m/3/0/13');
    expect(uintOptionOf(req, 12)).toBe(TLV);
    expect(req.payload).toEqual(Buffer.from([0xc2, 0x0d, 0x30, 0x39]));
    t.dev.respond(req, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 9, msgType: 'write', data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/13' } });
  });

  it('write: 200 is written as a 2-byte signed integer (emqx/emqx#4989 fixed)', async () => {
    const t = await registered();
    const req = await roundTrip(t, { msgType: 'write', data: { path: '/3/0/13', type: 'Integer', value: 200 } });
    expect(req.payload).toEqual(Buffer.from([0xc2, 0x0d, 0x00, 0xc8]));
    t.dev.respond(req, { code: '2.04' });
    await h.mqtt.next(t.resp);
  });

  it('write batch: basePath depth 2 -> POST partial update; 2.05 rules', async () => {
    const t = await registered();
    let req = await roundTrip(t, {
      msgType: 'write',
      data: {
        basePath: '/3/0/',
        content: [
          { path: '14', type: 'String', value: '+02' },
          { path: '/15', type: 'String', value: 'UTC' },
        ],
      },
    });
    expect(req.code).toBe('0.02');
    expect(pathOf(req)).toBe('/lwm2m/3/0');
    expect(uintOptionOf(req, 12)).toBe(TLV);
    t.dev.respond(req, { code: '2.05', payload: 'x' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'write', data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/' } });
    req = await roundTrip(t, { msgType: 'write', data: { basePath: '/3/0/14', content: [{ type: 'String', value: '+01' }] } });
    expect(req.code).toBe('0.03');
    t.dev.respond(req, { code: '2.05' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'write', data: { code: '4.05', codeMsg: 'method_not_allowed', reqPath: '/3/0/14' } });
  });

  it('write hex: valid hex becomes bytes; invalid hex -> 4.00 and nothing is sent', async () => {
    const t = await registered();
    const req = await roundTrip(t, { encoding: 'hex', msgType: 'write', data: { path: '/3/0/14', type: 'String', value: '48656C6C6F' } });
    expect(req.payload.subarray(-5).toString()).toBe('Hello');
    t.dev.respond(req, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ encoding: 'hex', msgType: 'write', data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/14' } });
    await h.mqtt.send(t.cmd, { encoding: 'hex', reqID: 5, msgType: 'write', data: { path: '/3/0/14', type: 'String', value: 'ZZ' } });
    const answer = await h.mqtt.next(t.resp);
    expect(answer).toMatchObject({ encoding: 'hex', reqID: 5, msgType: 'write', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/0/14' } });
    expect(typeof (answer.data as Record<string, unknown>).reason).toBe('string');
    await t.dev.expectNothing(100);
  });

  it('write with a value that does not fit its type -> 4.00 with a reason', async () => {
    const t = await registered();
    await h.mqtt.send(t.cmd, { reqID: 6, msgType: 'write', data: { path: '/3/0/13', type: 'Integer', value: 'abc' } });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 6, msgType: 'write', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/0/13' } });
    await t.dev.expectNothing(100);
  });

  it('a request that cannot fit one datagram -> 4.00 with a reason; the device is not blocked', async () => {
    const t = await registered();
    await h.mqtt.send(t.cmd, { reqID: 'big', msgType: 'read', data: { path: `/3/0/0?${'a'.repeat(70_000)}` } });
    const answer = await h.mqtt.next(t.resp);
    expect(answer).toMatchObject({ reqID: 'big', msgType: 'read', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/0/0' } });
    expect((answer.data as Record<string, unknown>).reason).toMatch(/cannot be sent/);
    const req = await roundTrip(t, { reqID: 'next', msgType: 'read', data: { path: '/3/0/0' } });
    t.dev.respond(req, { code: '2.05', format: 0, payload: 'ok' });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 'next', data: { code: '2.05' } });
  });

  it('a large write goes out in Block1 blocks (RFC 7959 §2.5) and holds the next command until done', async () => {
    const t = await registered();
    const firmware = Buffer.alloc(3000);
    for (let i = 0; i < firmware.length; i++) firmware[i] = (i * 7) & 0xff;
    await h.mqtt.send(t.cmd, { reqID: 'fw', msgType: 'write', data: { path: '/5/0/0', type: 'Opaque', value: firmware.toString('base64') } });
    await h.mqtt.send(t.cmd, { reqID: 'after', msgType: 'read', data: { path: '/5/0/3' } });
    const parts: Buffer[] = [];
    for (let num = 0; ; num++) {
      const req = await t.dev.expectRequest();
      expect(req.code).toBe('0.03');
      expect(pathOf(req)).toBe('/lwm2m/5/0/0');
      expect(uintOptionOf(req, 12)).toBe(TLV);
      const block = uintOptionOf(req, 27) as number;
      expect(block >> 4).toBe(num);
      expect(block & 7).toBe(6);
      parts.push(req.payload);
      if ((block & 8) === 0) {
        t.dev.respond(req, { code: '2.04' });
        break;
      }
      expect(req.payload.length).toBe(1024);
      t.dev.respond(req, { code: '2.31', extraOptions: [{ number: 27, value: uint(block) }] });
    }
    // One TLV resource with a 16-bit length field around the firmware bytes.
    expect(Buffer.concat(parts)).toEqual(Buffer.concat([Buffer.from([0xd0, 0x00, 0x0b, 0xb8]), firmware]));
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 'fw', msgType: 'write', data: { code: '2.04', codeMsg: 'changed', reqPath: '/5/0/0' } });
    const next = await t.dev.expectRequest();
    expect(pathOf(next)).toBe('/lwm2m/5/0/3');
  });

  it('execute: "undefined" args -> empty POST; args -> text payload; errors mapped', async () => {
    const t = await registered();
    let req = await roundTrip(t, { msgType: 'execute', data: { path: '/3/0/4', args: 'undefined' } });
    expect(req.code).toBe('0.02');
    expect(pathOf(req)).toBe('/lwm2m/3/0/4');
    expect(req.payload.length).toBe(0);
    t.dev.respond(req, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'execute', data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/4' } });
    req = await roundTrip(t, { msgType: 'execute', data: { path: '/3/0/4', args: '2,7' } });
    expect(req.payload.toString()).toBe('2,7');
    t.dev.respond(req, { code: '4.01' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'execute', data: { code: '4.01', codeMsg: 'unauthorized', reqPath: '/3/0/4' } });
  });

  it('discover: GET with Accept 40; content is the list of links', async () => {
    const t = await registered();
    const req = await roundTrip(t, { msgType: 'discover', data: { path: '/3/0/7' } });
    expect(uintOptionOf(req, 17)).toBe(40);
    t.dev.respond(req, { code: '2.05', format: 40, payload: '</3/0/7>;dim=2;pmin=10,</3/0/7/0>' });
    expect(await h.mqtt.next(t.resp)).toEqual({
      msgType: 'discover',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/7', content: ['</3/0/7>;dim=2;pmin=10', '</3/0/7/0>'] },
    });
  });

  it('write-attr: only the known attributes, null skipped', async () => {
    const t = await registered({ lwm2m: '1.1' });
    const req = await roundTrip(t, { msgType: 'write-attr', data: { path: '/3/0/9', pmin: '1', pmax: 5, lt: '5', st: null, foo: '1', epmin: '2' } });
    expect(req.code).toBe('0.03');
    expect(queriesOf(req)).toEqual(['pmin=1', 'pmax=5', 'lt=5', 'epmin=2']);
    expect(req.payload.length).toBe(0);
    t.dev.respond(req, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'write-attr', data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/9' } });
  });

  it('create and delete', async () => {
    const t = await registered();
    let req = await roundTrip(t, { msgType: 'create', data: { basePath: '/5', content: [] } });
    expect(req.code).toBe('0.02');
    expect(pathOf(req)).toBe('/lwm2m/5');
    expect(req.payload.length).toBe(0);
    t.dev.respond(req, { code: '2.01' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'create', data: { code: '2.01', codeMsg: 'created', reqPath: '/5' } });
    req = await roundTrip(t, { msgType: 'create', data: { basePath: '/3303', content: [{ path: '0/5700', type: 'Float', value: 21.5 }] } });
    expect(uintOptionOf(req, 12)).toBe(TLV);
    // The content is one object instance 0 holding resource 5700 = 21.5 (LwM2M 1.0 TS §6.4.3).
    const [instance, ...moreRecords] = parseTlv(req.payload);
    expect(moreRecords).toEqual([]);
    expect(instance).toMatchObject({ kind: 'object-instance', id: 0 });
    const children = instance !== undefined && isTlvContainer(instance) ? instance.children : [];
    expect(children.map((c) => [c.kind, c.id])).toEqual([['resource', 5700]]);
    const float = children[0] !== undefined && !isTlvContainer(children[0]) ? children[0].value : Buffer.alloc(0);
    expect(float.length === 4 ? float.readFloatBE(0) : float.readDoubleBE(0)).toBe(21.5);
    t.dev.respond(req, { code: '2.01' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'create', data: { code: '2.01', codeMsg: 'created', reqPath: '/3303' } });
    req = await roundTrip(t, { msgType: 'delete', data: { path: '/5/0' } });
    expect(req.code).toBe('0.04');
    t.dev.respond(req, { code: '2.02' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'delete', data: { code: '2.02', codeMsg: 'deleted', reqPath: '/5/0' } });
  });

  it('observe, notify (NON and CON), cancel-observe, RST for a cancelled token', async () => {
    const t = await registered();
    const obs = await roundTrip(t, { reqID: 10, msgType: 'observe', data: { path: '/3/0/10' } });
    expect(uintOptionOf(obs, 6)).toBe(0);
    t.dev.respond(obs, { code: '2.05', format: 0, payload: '2048', observe: 1 });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 10,
      msgType: 'observe',
      seqNum: 1,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/10', content: [{ path: '/3/0/10', value: 2048 }] },
    });
    await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '4096', observe: 3 }, 'NON');
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 10,
      msgType: 'notify',
      seqNum: 3,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/10', content: [{ path: '/3/0/10', value: 4096 }] },
    });
    const ack = await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '5000', observe: 4 }, 'CON');
    expect(ack?.type).toBe('ACK');
    expect((await h.mqtt.next(t.resp)).seqNum).toBe(4);
    const cancel = await roundTrip(t, { reqID: 11, msgType: 'cancel-observe', data: { path: '/3/0/10' } });
    expect(uintOptionOf(cancel, 6)).toBe(1);
    t.dev.respond(cancel, { code: '2.05', format: 0, payload: '5001' });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 11,
      msgType: 'cancel-observe',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/10', content: [{ path: '/3/0/10', value: 5001 }] },
    });
    const rst = await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '1', observe: 5 }, 'CON');
    expect(rst?.type).toBe('RST');
  });

  it('a repeated NON notification (same Observe value) is published once (RFC 7641 §3.4)', async () => {
    const t = await registered();
    const obs = await roundTrip(t, { reqID: 12, msgType: 'observe', data: { path: '/3/0/10' } });
    t.dev.respond(obs, { code: '2.05', format: 0, payload: '1', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');
    await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '2', observe: 2 }, 'NON');
    await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '2', observe: 2 }, 'NON');
    await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '3', observe: 3 }, 'NON');
    expect((await h.mqtt.next(t.resp)).seqNum).toBe(2);
    expect((await h.mqtt.next(t.resp)).seqNum).toBe(3);
    await h.mqtt.none(t.resp, 100);
  });

  it('one shared command filter: a command for a device not registered yet is dropped, later ones reach it', async () => {
    const ep = uniqueEp('late');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 1, msgType: 'read', data: { path: '/3/0/0' } });
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300, links: '</3/0>' })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    await dev.expectNothing(100);
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 2, msgType: 'read', data: { path: '/3/0/0' } });
    const req = await dev.expectRequest();
    dev.respond(req, { code: '2.05', format: 0, payload: 'x' });
    expect(await h.mqtt.next(resp)).toMatchObject({ reqID: 2, msgType: 'read', data: { code: '2.05' } });
    await dev.deregister();
    expect((await h.mqtt.next(resp)).msgType).toBe('deregister');
    // Gone again: nothing reaches the device, nothing is answered.
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 3, msgType: 'read', data: { path: '/3/0/0' } });
    await dev.expectNothing(100);
    await h.mqtt.none(resp, 50);
  });

  it('observe errors are answered with the device code', async () => {
    const t = await registered();
    const obs = await roundTrip(t, { msgType: 'observe', data: { path: '/3/0/10' } });
    t.dev.respond(obs, { code: '4.01' });
    expect(await h.mqtt.next(t.resp)).toEqual({ msgType: 'observe', data: { code: '4.01', codeMsg: 'unauthorized', reqPath: '/3/0/10' } });
  });

  it('object 5 notifications go to {mountpoint}/v1/up/dm', async () => {
    const t = await registered();
    const dm = `lwm2m/${t.ep}//v1/up/dm`;
    await h.mqtt.watch(dm);
    const obs = await roundTrip(t, { msgType: 'observe', data: { path: '/5/0/3' } });
    t.dev.respond(obs, { code: '2.05', format: 0, payload: '0', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');
    await t.dev.sendResponse(obs, { code: '2.05', format: 0, payload: '1', observe: 2 }, 'CON');
    expect(await h.mqtt.next(dm)).toEqual({
      msgType: 'notify',
      seqNum: 2,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/5/0/3', content: [{ path: '/5/0/3', value: 1 }] },
    });
  });

  it('commands that cannot be carried out are answered with 4.00 and a reason', async () => {
    const t = await registered();
    await h.mqtt.send(t.cmd, 'not json');
    expect(await h.mqtt.next(t.resp)).toMatchObject({ msgType: 'unknown', data: { code: '4.00', codeMsg: 'bad_request' } });
    await h.mqtt.send(t.cmd, { reqID: 1, msgType: 'notify', data: { path: '/3/0/0' } });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 1, msgType: 'notify', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/0/0' } });
    await h.mqtt.send(t.cmd, { reqID: 2, msgType: 'read', data: { path: '/3/x/0' } });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 2, msgType: 'read', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/x/0' } });
    await h.mqtt.send(t.cmd, { reqID: 3, msgType: 'read' });
    const missing = await h.mqtt.next(t.resp);
    expect(missing).toMatchObject({ reqID: 3, msgType: 'read', data: { code: '4.00', codeMsg: 'bad_request' } });
    expect((missing.data as Record<string, unknown>).reason).toMatch(/data/);
    await t.dev.expectNothing(100);
  });

  it('one request in flight per device; later commands follow in order', async () => {
    const t = await registered();
    for (let i = 0; i < 3; i++) await h.mqtt.send(t.cmd, { reqID: i, msgType: 'read', data: { path: `/3/0/${i}` } });
    for (let i = 0; i < 3; i++) {
      const req = await t.dev.expectRequest();
      expect(pathOf(req)).toBe(`/lwm2m/3/0/${i}`);
      await t.dev.expectNothing(50);
      t.dev.respond(req, { code: '2.05', format: 0, payload: `v${i}` });
      expect((await h.mqtt.next(t.resp)).reqID).toBe(i);
    }
  });

  it('Block2: a large answer is fetched block by block and published once', async () => {
    const t = await registered();
    const body = 'x'.repeat(20) + 'y'.repeat(16) + 'z'.repeat(5);
    let req = await roundTrip(t, { msgType: 'read', data: { path: '/3/0/0' } });
    for (let num = 0; ; num++) {
      const chunk = body.slice(num * 16, num * 16 + 16);
      const more = (num + 1) * 16 < body.length;
      t.dev.respond(req, { code: '2.05', format: 0, payload: chunk, extraOptions: [{ number: 23, value: uint(num * 16 + (more ? 8 : 0) + 0) }] });
      if (!more) break;
      req = await t.dev.expectRequest();
      expect(uintOptionOf(req, 23)).toBe((num + 1) * 16);
    }
    expect(await h.mqtt.next(t.resp)).toEqual({
      msgType: 'read',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: body }] },
    });
  });

  it('1.1 devices announcing SenML JSON get SenML JSON writes; 1.0 get TLV', async () => {
    const t = await registered({ lwm2m: '1.1', links: '</>;rt="oma.lwm2m";ct="60 110 11542",</3/0>' });
    const req = await roundTrip(t, { msgType: 'write', data: { path: '/3/0/14', type: 'String', value: '+02' } });
    expect(pathOf(req)).toBe('/3/0/14');
    expect(uintOptionOf(req, 12)).toBe(110);
    const senml = JSON.parse(req.payload.toString()) as unknown[];
    expect(JSON.stringify(senml)).toContain('+02');
    t.dev.respond(req, { code: '2.04' });
    await h.mqtt.next(t.resp);
  });

  it('a device answer that cannot be decoded is published as 4.00 with a reason', async () => {
    const t = await registered();
    const req = await roundTrip(t, { reqID: 12, msgType: 'read', data: { path: '/3' } });
    t.dev.respond(req, { code: '2.05', format: TLV, payload: Buffer.from([0xff, 0xff, 0xff]) });
    const answer = await h.mqtt.next(t.resp);
    expect(answer).toMatchObject({ reqID: 12, msgType: 'read', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3' } });
    expect(typeof (answer.data as Record<string, unknown>).reason).toBe('string');
    expect((answer.data as Record<string, unknown>).content).toBeUndefined();
  });

  it('empty optional resources in a read answer are null; the rest of the read arrives', async () => {
    const t = await registered();
    const req = await roundTrip(t, { reqID: 13, msgType: 'read', data: { path: '/3/0' } });
    // Manufacturer "EMQ", Battery Level (Integer) and Current Time (Time) with zero-length values.
    t.dev.respond(req, { code: '2.05', format: TLV, payload: Buffer.from([0xc3, 0x00, 0x45, 0x4d, 0x51, 0xc0, 0x09, 0xc0, 0x0d]) });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 13,
      msgType: 'read',
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/3/0',
        content: [
          { path: '/3/0/0', value: 'EMQ' },
          { path: '/3/0/9', value: null },
          { path: '/3/0/13', value: null },
        ],
      },
    });
    const text = await roundTrip(t, { reqID: 14, msgType: 'read', data: { path: '/3/0/9' } });
    t.dev.respond(text, { code: '2.05', format: 0, payload: '' });
    expect((await h.mqtt.next(t.resp)).data).toEqual({ code: '2.05', codeMsg: 'content', reqPath: '/3/0/9', content: [{ path: '/3/0/9', value: null }] });
  });

  it('LwM2M JSON answers are decoded', async () => {
    const t = await registered();
    const req = await roundTrip(t, { msgType: 'read', data: { path: '/3/0' } });
    t.dev.respond(req, {
      code: '2.05',
      format: 11543,
      payload: JSON.stringify({
        bn: '/3/0/',
        e: [
          { n: '0', sv: 'ACME' },
          { n: '9', v: 87 },
        ],
      }),
    });
    expect((await h.mqtt.next(t.resp)).data).toEqual({
      code: '2.05',
      codeMsg: 'content',
      reqPath: '/3/0',
      content: [
        { path: '/3/0/0', value: 'ACME' },
        { path: '/3/0/9', value: 87 },
      ],
    });
  });

  it('mheaders ttl 0: multi-instance write sent without waiting for the in-flight slot; mheaders echoed', async () => {
    const t = await registered();
    const blocker = await roundTrip(t, { reqID: 'first', msgType: 'read', data: { path: '/3/0/0' } });
    const write = await roundTrip(t, {
      reqID: 'urgent',
      mheaders: { ttl: 0 },
      msgType: 'write',
      data: {
        basePath: '/3/0/22',
        content: [
          { path: '0', type: 'Objlnk', value: '1:1' },
          { path: '1', type: 'Objlnk', value: '1:2' },
          { path: '1', type: 'Objlnk', value: '1:3' },
        ],
      },
    });
    expect(write.code).toBe('0.03');
    expect(pathOf(write)).toBe('/lwm2m/3/0/22');
    t.dev.respond(write, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 'urgent',
      mheaders: { ttl: 0 },
      msgType: 'write',
      data: { code: '2.04', codeMsg: 'changed', reqPath: '/3/0/22' },
    });
    t.dev.respond(blocker, { code: '2.05', format: 0, payload: 'x' });
    expect((await h.mqtt.next(t.resp)).reqID).toBe('first');
  });
});

describe('LwM2M commands in flight when the device leaves', () => {
  let h: Harness;
  beforeAll(async () => {
    // Retransmissions 300-450 ms apart, four of them: a request left running would reach the device again.
    h = await startHarness({ lifetime_min: '1s', lifetime_grace: '100ms', coap: { ack_timeout: '300ms', max_retransmit: 4 } });
  });
  afterAll(async () => {
    await h.close();
  });

  async function pendingRead(lt: number, reqID: number): Promise<{ dev: Lwm2mTestDevice; resp: string }> {
    const ep = uniqueEp('gone');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID, msgType: 'read', data: { path: '/3/0/0' } });
    expect(pathOf(await dev.expectRequest())).toBe('/3/0/0');
    return { dev, resp };
  }

  it('De-register: the request in flight is answered coap_timeout at once and no longer retransmitted', async () => {
    const { dev, resp } = await pendingRead(300, 21);
    expect((await dev.deregister()).code).toBe('2.02');
    expect(await h.mqtt.next(resp, 1000)).toEqual({ reqID: 21, msgType: 'coap_timeout', data: { path: '/3/0/0' } });
    expect((await h.mqtt.next(resp)).msgType).toBe('deregister');
    await dev.expectNothing(1000);
  });

  it('lifetime expiry: the same', async () => {
    const { dev, resp } = await pendingRead(1, 22);
    expect(await h.mqtt.next(resp, 3000)).toEqual({ reqID: 22, msgType: 'coap_timeout', data: { path: '/3/0/0' } });
    expect((await h.mqtt.next(resp)).msgType).toBe('deregister');
    // Retransmissions sent before the expiry may have arrived already; none follows.
    for (;;) {
      try {
        await dev.expectRequest(1);
      } catch {
        break;
      }
    }
    await dev.expectNothing(1500);
  });
});
