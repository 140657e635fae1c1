import { Decoder, Encoder } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, uint, uintOptionOf, type DeviceMessage, type Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

const SENML_JSON = 110;
const SENML_CBOR = 112;
const OBSERVE = 6;
const CONTENT_FORMAT = 12;
const ACCEPT = 17;

const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });
function senmlCbor(records: readonly (readonly [number | string, unknown][])[]): Buffer {
  return Buffer.from(cborEncoder.encode(records.map((r) => new Map(r))));
}
/** A SenML CBOR pack as plain `[label, value]` lists, for assertions. */
function cborRecords(payload: Buffer): [unknown, unknown][][] {
  return (cborDecoder.decode(payload) as Map<unknown, unknown>[]).map((m) =>
    [...m.entries()].map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : v]),
  );
}

describe('LwM2M 1.1 Composite operations over real UDP and MQTT', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { ack_timeout: '200ms', max_retransmit: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  interface Device {
    readonly dev: Lwm2mTestDevice;
    readonly cmd: string;
    readonly resp: string;
  }

  async function registered(lwm2m: string, links: string): Promise<Device> {
    const ep = uniqueEp('cmp');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300, lwm2m, links })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    return { dev, cmd: `lwm2m/${ep}/command`, resp };
  }

  async function roundTrip(t: Device, command: unknown): Promise<DeviceMessage> {
    await h.mqtt.send(t.cmd, command);
    return t.dev.expectRequest();
  }

  it('read-composite in SenML JSON: FETCH 0.05 on the alternate path, one entry per resource', async () => {
    const t = await registered('1.1', '</lwm2m>;rt="oma.lwm2m";ct="110 112",</lwm2m/1/0>,</lwm2m/3/0>');
    const req = await roundTrip(t, { reqID: 1, msgType: 'read-composite', data: { paths: ['/3/0/0', '/1/0/1', '/3/0/0'], format: 'senml+json' } });
    expect(req.code).toBe('0.05');
    expect(pathOf(req)).toBe('/lwm2m');
    expect(uintOptionOf(req, CONTENT_FORMAT)).toBe(SENML_JSON);
    expect(uintOptionOf(req, ACCEPT)).toBe(SENML_JSON);
    expect(uintOptionOf(req, OBSERVE)).toBeUndefined();
    expect(JSON.parse(req.payload.toString())).toEqual([{ n: '/3/0/0' }, { n: '/1/0/1' }]);
    t.dev.respond(req, {
      code: '2.05',
      format: SENML_JSON,
      payload: JSON.stringify([
        { bn: '/3/0/', n: '0', vs: 'ACME' },
        { bn: '/1/0/1', v: 300 },
      ]),
    });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 1,
      msgType: 'read-composite',
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/3/0/0', value: 'ACME' },
          { path: '/1/0/1', value: 300 },
        ],
      },
    });
  });

  it('read-composite in SenML CBOR (the default without ct=), a device error, and a mistyped answer', async () => {
    const t = await registered('1.1', '</1/0>,</3/0>');
    let req = await roundTrip(t, { reqID: 2, msgType: 'read-composite', data: { paths: ['/3/0/9', '/3/0/13'] } });
    expect(req.code).toBe('0.05');
    expect(pathOf(req)).toBe('/');
    expect(uintOptionOf(req, CONTENT_FORMAT)).toBe(SENML_CBOR);
    expect(uintOptionOf(req, ACCEPT)).toBe(SENML_CBOR);
    expect(cborRecords(req.payload)).toEqual([[[0, '/3/0/9']], [[0, '/3/0/13']]]);
    t.dev.respond(req, {
      code: '2.05',
      format: SENML_CBOR,
      payload: senmlCbor([
        [
          [-2, '/3/0/'],
          [0, '9'],
          [2, 80],
        ],
        [
          [0, '13'],
          [2, 1700000000],
        ],
      ]),
    });
    expect((await h.mqtt.next(t.resp)).data).toEqual({
      code: '2.05',
      codeMsg: 'content',
      reqPath: '/',
      content: [
        { path: '/3/0/9', value: 80 },
        { path: '/3/0/13', value: 1700000000 },
      ],
    });

    req = await roundTrip(t, { reqID: 3, msgType: 'read-composite', data: { paths: ['/3/0/9'] } });
    t.dev.respond(req, { code: '4.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 3, msgType: 'read-composite', data: { code: '4.04', codeMsg: 'not_found', reqPath: '/' } });

    req = await roundTrip(t, { reqID: 4, msgType: 'read-composite', data: { paths: ['/3/0/9'] } });
    t.dev.respond(req, {
      code: '2.05',
      format: SENML_CBOR,
      payload: senmlCbor([
        [
          [0, '/3/0/9'],
          [4, true],
        ],
      ]),
    });
    const mistyped = await h.mqtt.next(t.resp);
    expect(mistyped.data).toMatchObject({ code: '4.00', codeMsg: 'bad_request', reqPath: '/' });
    expect((mistyped.data as { reason: string }).reason).toMatch(/\/3\/0\/9/);
  });

  it('write-composite: iPATCH 0.07 with every value, in SenML JSON and SenML CBOR', async () => {
    const t = await registered('1.1', '</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>');
    const content = [
      { path: '/1/0/1', type: 'Integer', value: 120 },
      { path: '/3/0/14', type: 'String', value: '+02:00' },
      { path: '/1/0/6', type: 'Boolean', value: true },
    ];
    let req = await roundTrip(t, { reqID: 5, msgType: 'write-composite', data: { content } });
    expect(req.code).toBe('0.07');
    expect(pathOf(req)).toBe('/');
    expect(uintOptionOf(req, CONTENT_FORMAT)).toBe(SENML_JSON);
    expect(JSON.parse(req.payload.toString())).toEqual([
      { n: '/1/0/1', v: 120 },
      { n: '/3/0/14', vs: '+02:00' },
      { n: '/1/0/6', vb: true },
    ]);
    t.dev.respond(req, { code: '2.04' });
    expect(await h.mqtt.next(t.resp)).toEqual({ reqID: 5, msgType: 'write-composite', data: { code: '2.04', codeMsg: 'changed', reqPath: '/' } });

    req = await roundTrip(t, {
      reqID: 6,
      msgType: 'write-composite',
      data: { format: 'senml+cbor', content: [...content, { path: '/5/0/0', type: 'Opaque', value: 'AQID' }] },
    });
    expect(req.code).toBe('0.07');
    expect(uintOptionOf(req, CONTENT_FORMAT)).toBe(SENML_CBOR);
    expect(cborRecords(req.payload)).toEqual([
      [
        [0, '/1/0/1'],
        [2, 120],
      ],
      [
        [0, '/3/0/14'],
        [3, '+02:00'],
      ],
      [
        [0, '/1/0/6'],
        [4, true],
      ],
      [
        [0, '/5/0/0'],
        [8, Buffer.from([1, 2, 3])],
      ],
    ]);
    t.dev.respond(req, { code: '4.05' });
    expect((await h.mqtt.next(t.resp)).data).toEqual({ code: '4.05', codeMsg: 'method_not_allowed', reqPath: '/' });
  });

  it('observe-composite: FETCH Observe 0, notifications as notify with all values, cancel with the same token', async () => {
    const t = await registered('1.1', '</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>');
    const obs = await roundTrip(t, { reqID: 7, msgType: 'observe-composite', data: { paths: ['/3/0/9', '/3/0/10'] } });
    expect(obs.code).toBe('0.05');
    expect(uintOptionOf(obs, OBSERVE)).toBe(0);
    expect(JSON.parse(obs.payload.toString())).toEqual([{ n: '/3/0/9' }, { n: '/3/0/10' }]);
    t.dev.respond(obs, {
      code: '2.05',
      format: SENML_JSON,
      observe: 1,
      payload: JSON.stringify([
        { bn: '/3/0/', n: '9', v: 90 },
        { n: '10', v: 2048 },
      ]),
    });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 7,
      msgType: 'observe-composite',
      seqNum: 1,
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/3/0/9', value: 90 },
          { path: '/3/0/10', value: 2048 },
        ],
      },
    });
    await t.dev.sendResponse(
      obs,
      {
        code: '2.05',
        format: SENML_JSON,
        observe: 2,
        payload: JSON.stringify([
          { bn: '/3/0/', n: '9', v: 89 },
          { n: '10', v: 2000 },
        ]),
      },
      'NON',
    );
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 7,
      msgType: 'notify',
      seqNum: 2,
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/3/0/9', value: 89 },
          { path: '/3/0/10', value: 2000 },
        ],
      },
    });

    // The path set matches in any order; the cancel carries the observation's token (RFC 7641 §3.6).
    const cancel = await roundTrip(t, { reqID: 8, msgType: 'cancel-observe-composite', data: { paths: ['/3/0/10', '/3/0/9'] } });
    expect(cancel.code).toBe('0.05');
    expect(uintOptionOf(cancel, OBSERVE)).toBe(1);
    expect(cancel.token.equals(obs.token)).toBe(true);
    t.dev.respond(cancel, {
      code: '2.05',
      format: SENML_JSON,
      payload: JSON.stringify([
        { n: '/3/0/9', v: 88 },
        { n: '/3/0/10', v: 1999 },
      ]),
    });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('cancel-observe-composite');
    // A late notification for the cancelled observation is refused with RST and not published.
    const late = await t.dev.sendResponse(obs, { code: '2.05', format: SENML_JSON, observe: 3, payload: JSON.stringify([{ n: '/3/0/9', v: 1 }]) }, 'CON');
    expect(late?.type).toBe('RST');
    await h.mqtt.none(t.resp, 150);
  });

  it('observe-composite in SenML CBOR: CON notification ACKed and published, cancel, then RST', async () => {
    const t = await registered('1.2', '</>;rt="oma.lwm2m";ct=112,</1/0>,</3/0>');
    const obs = await roundTrip(t, { reqID: 11, msgType: 'observe-composite', data: { paths: ['/1/0/1', '/3/0/9'] } });
    expect(obs.code).toBe('0.05');
    expect(uintOptionOf(obs, CONTENT_FORMAT)).toBe(SENML_CBOR);
    expect(uintOptionOf(obs, ACCEPT)).toBe(SENML_CBOR);
    expect(cborRecords(obs.payload)).toEqual([[[0, '/1/0/1']], [[0, '/3/0/9']]]);
    t.dev.respond(obs, {
      code: '2.05',
      format: SENML_CBOR,
      observe: 0,
      payload: senmlCbor([
        [
          [0, '/1/0/1'],
          [2, 300],
        ],
        [
          [0, '/3/0/9'],
          [2, 50],
        ],
      ]),
    });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 11,
      msgType: 'observe-composite',
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/1/0/1', value: 300 },
          { path: '/3/0/9', value: 50 },
        ],
      },
    });
    const ack = await t.dev.sendResponse(
      obs,
      {
        code: '2.05',
        format: SENML_CBOR,
        observe: 1,
        payload: senmlCbor([
          [
            [-2, '/3/0/'],
            [0, '9'],
            [2, 49],
          ],
          [
            [-2, '/1/0/'],
            [0, '1'],
            [2, 301],
          ],
        ]),
      },
      'CON',
    );
    expect(ack?.type).toBe('ACK');
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 11,
      msgType: 'notify',
      seqNum: 1,
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/3/0/9', value: 49 },
          { path: '/1/0/1', value: 301 },
        ],
      },
    });
    const cancel = await roundTrip(t, { reqID: 12, msgType: 'cancel-observe-composite', data: { paths: ['/3/0/9', '/1/0/1'] } });
    expect(uintOptionOf(cancel, OBSERVE)).toBe(1);
    expect(uintOptionOf(cancel, CONTENT_FORMAT)).toBe(SENML_CBOR);
    expect(cancel.token.equals(obs.token)).toBe(true);
    t.dev.respond(cancel, {
      code: '2.05',
      format: SENML_CBOR,
      payload: senmlCbor([
        [
          [0, '/1/0/1'],
          [2, 301],
        ],
        [
          [0, '/3/0/9'],
          [2, 48],
        ],
      ]),
    });
    expect(await h.mqtt.next(t.resp)).toMatchObject({
      reqID: 12,
      msgType: 'cancel-observe-composite',
      data: {
        code: '2.05',
        content: [
          { path: '/1/0/1', value: 301 },
          { path: '/3/0/9', value: 48 },
        ],
      },
    });
    expect(
      (
        await t.dev.sendResponse(
          obs,
          {
            code: '2.05',
            format: SENML_CBOR,
            observe: 2,
            payload: senmlCbor([
              [
                [0, '/3/0/9'],
                [2, 1],
              ],
            ]),
          },
          'CON',
        )
      )?.type,
    ).toBe('RST');
    await h.mqtt.none(t.resp, 100);
  });

  it('a composite notification in blocks is completed with FETCH + Block2 and the same path list (RFC 7959 §2.6, RFC 8132 §2.3.2)', async () => {
    const t = await registered('1.1', '</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>');
    const obs = await roundTrip(t, { reqID: 10, msgType: 'observe-composite', data: { paths: ['/3/0/0', '/3/0/9'] } });
    t.dev.respond(obs, {
      code: '2.05',
      format: SENML_JSON,
      observe: 1,
      payload: JSON.stringify([
        { n: '/3/0/0', vs: 'a' },
        { n: '/3/0/9', v: 1 },
      ]),
    });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe-composite');
    const body = Buffer.from(
      JSON.stringify([
        { n: '/3/0/0', vs: 'x'.repeat(20) },
        { n: '/3/0/9', v: 77 },
      ]),
    );
    const block = (num: number, more: boolean): Buffer => uint(num * 16 + (more ? 8 : 0));
    await t.dev.sendResponse(
      obs,
      { code: '2.05', format: SENML_JSON, observe: 5, payload: body.subarray(0, 16), extraOptions: [{ number: 23, value: block(0, true) }] },
      'NON',
    );
    for (let num = 1; ; num++) {
      const fetch = await t.dev.expectRequest();
      expect(fetch.code).toBe('0.05');
      expect(uintOptionOf(fetch, OBSERVE)).toBeUndefined();
      expect(uintOptionOf(fetch, 23)).toBe(num * 16);
      expect(JSON.parse(fetch.payload.toString())).toEqual([{ n: '/3/0/0' }, { n: '/3/0/9' }]);
      const more = (num + 1) * 16 < body.length;
      t.dev.respond(fetch, {
        code: '2.05',
        format: SENML_JSON,
        payload: body.subarray(num * 16, num * 16 + 16),
        extraOptions: [{ number: 23, value: block(num, more) }],
      });
      if (!more) break;
    }
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 10,
      msgType: 'notify',
      seqNum: 5,
      data: {
        code: '2.05',
        codeMsg: 'content',
        reqPath: '/',
        content: [
          { path: '/3/0/0', value: 'x'.repeat(20) },
          { path: '/3/0/9', value: 77 },
        ],
      },
    });
  });

  it('composite commands to a 1.0 device and malformed ones: 4.00 with a reason, nothing sent', async () => {
    const old = await registered('1.0', '</1/0>,</3/0>');
    await h.mqtt.send(old.cmd, { reqID: 9, msgType: 'read-composite', data: { paths: ['/3/0/0'] } });
    const refused = await h.mqtt.next(old.resp);
    expect(refused).toMatchObject({ reqID: 9, msgType: 'read-composite', data: { code: '4.00', codeMsg: 'bad_request' } });
    expect((refused.data as { reason: string }).reason).toMatch(/1\.1/);

    const t = await registered('1.1', '</1/0>,</3/0>');
    for (const data of [{ paths: [] }, { paths: ['/3/x'] }, { paths: ['/3/0/0'], format: 'tlv' }]) {
      await h.mqtt.send(t.cmd, { msgType: 'read-composite', data });
      expect((await h.mqtt.next(t.resp)).data).toMatchObject({ code: '4.00' });
    }
    await h.mqtt.send(t.cmd, { msgType: 'write-composite', data: { content: [{ path: '/1/0/1', type: 'Integer', value: 'many' }] } });
    expect((await h.mqtt.next(t.resp)).data).toMatchObject({ code: '4.00' });
    await h.mqtt.send(t.cmd, { msgType: 'write-composite', data: { content: [{ path: '/3/0', type: 'Integer', value: 1 }] } });
    expect((await h.mqtt.next(t.resp)).data).toMatchObject({ code: '4.00' });
    await old.dev.expectNothing(100);
    await t.dev.expectNothing(100);
  });
});
