import { Encoder } from 'cbor-x';
import { afterEach, describe, expect, it } from 'vitest';
import { uint, type Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

const SENML_JSON = 110;
const SENML_CBOR = 112;
const TLV = 11542;

/** Block option value (RFC 7959 §2.2). */
function block(num: number, more: boolean, szx: number): Buffer {
  return uint(num * 16 + (more ? 8 : 0) + szx);
}

/** SenML CBOR as a device library writes it: integer labels (RFC 8428 §6), plain maps. */
const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true });
function senmlCbor(records: readonly (readonly [number | string, unknown][])[]): Buffer {
  return Buffer.from(cbor.encode(records.map((r) => new Map(r))));
}

describe('LwM2M 1.1 Send (POST /dp) over real UDP and MQTT', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function registered(harness: Harness, topic = 'response'): Promise<{ dev: Lwm2mTestDevice; ep: string; topic: string }> {
    const ep = uniqueEp('send');
    const resp = `lwm2m/${ep}/response`;
    await harness.mqtt.watch(resp);
    if (topic !== 'response') await harness.mqtt.watch(`lwm2m/${ep}/${topic}`);
    const dev = await harness.device();
    expect((await dev.register(ep, { lt: 300, lwm2m: '1.1', links: '</>;rt="oma.lwm2m";ct="110 112",</1/0>,</3/0>' })).code).toBe('2.01');
    expect((await harness.mqtt.next(resp)).msgType).toBe('register');
    return { dev, ep, topic: `lwm2m/${ep}/${topic}` };
  }

  it('SenML JSON from a registered device: 2.04, values typed and published on the response topic', async () => {
    h = await startHarness();
    const t = await registered(h);
    const pack = [
      { bn: '/3/0/', n: '0', vs: 'Open Mobile Alliance' },
      { n: '9', v: 95 },
      { n: '13', v: 1700000000 },
      { bn: '/1/0/', n: '1', v: 300 },
      { n: '6', vb: true },
    ];
    const answer = await t.dev.sendData(JSON.stringify(pack), SENML_JSON);
    expect(answer.code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({
      msgType: 'send',
      data: {
        content: [
          { path: '/3/0/0', value: 'Open Mobile Alliance' },
          { path: '/3/0/9', value: 95 },
          { path: '/3/0/13', value: 1700000000 },
          { path: '/1/0/1', value: 300 },
          { path: '/1/0/6', value: true },
        ],
      },
    });
  });

  it('SenML CBOR, opaque (vd) and object link (vlo) values', async () => {
    h = await startHarness();
    const t = await registered(h);
    const payload = senmlCbor([
      [
        [-2, '/3/0/'],
        [0, '9'],
        [2, 42],
      ],
      [
        [0, '0'],
        [3, 'ACME'],
      ],
      [
        [-2, '/5/0/'],
        [0, '0'],
        [8, Buffer.from([1, 2, 3])],
      ],
      [
        [-2, '/3/0/22/'],
        [0, '0'],
        ['vlo', '1:0'],
      ],
    ]);
    const answer = await t.dev.sendData(payload, SENML_CBOR);
    expect(answer.code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({
      msgType: 'send',
      data: {
        content: [
          { path: '/3/0/9', value: 42 },
          { path: '/3/0/0', value: 'ACME' },
          { path: '/5/0/0', value: 'AQID' },
          { path: '/3/0/22/0', value: '1:0' },
        ],
      },
    });
  });

  it('values a device stored with their times (SenML bt / t) keep them as "time"', async () => {
    h = await startHarness();
    const t = await registered(h);
    const pack = [
      { bn: '/3/0/9', bt: 1700000000, v: 90 },
      { t: 60, v: 88 },
    ];
    expect((await t.dev.sendData(JSON.stringify(pack), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({
      msgType: 'send',
      data: {
        content: [
          { path: '/3/0/9', value: 90, time: 1700000000 },
          { path: '/3/0/9', value: 88, time: 1700000060 },
        ],
      },
    });
  });

  it('refuses what it cannot take: no registration 4.03 (no payload), wrong format 4.15, type mismatch and relative names 4.00; nothing published', async () => {
    h = await startHarness();
    const t = await registered(h);
    const stranger = await h.device();
    const refused = await stranger.sendData(JSON.stringify([{ n: '/3/0/9', v: 1 }]), SENML_JSON);
    expect(refused.code).toBe('4.03');
    expect(refused.payload.length).toBe(0);

    const tlv = await t.dev.sendData(Buffer.from([0xc1, 0x09, 0x01]), TLV);
    expect(tlv.code).toBe('4.15');
    // Battery Level (/3/0/9) is an Integer in the model: a string is refused with the reason.
    const mismatch = await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', vs: 'full' }]), SENML_JSON);
    expect(mismatch.code).toBe('4.00');
    expect(mismatch.payload.length).toBe(0); // the reason goes to the debug log (RFC 7252 §11.3)
    const relative = await t.dev.sendData(JSON.stringify([{ n: '3/0/9', v: 1 }]), SENML_JSON);
    expect(relative.code).toBe('4.00');
    const broken = await t.dev.sendData('[{"n":', SENML_JSON);
    expect(broken.code).toBe('4.00');
    const empty = await t.dev.sendData('[]', SENML_JSON);
    expect(empty.code).toBe('4.00');
    // A record without any value member would be published as null.
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 1 }, { n: '/3/0/10' }]), SENML_JSON)).code).toBe('4.00');
    expect((await t.dev.sendData(senmlCbor([[[0, '/3/0/9']]]), SENML_CBOR)).code).toBe('4.00');
    expect((await t.dev.request('0.01', ['dp'])).code).toBe('4.05');
    await h.mqtt.none(t.topic, 200);
  });

  it('each string-valued type in its own SenML member (Transport §7.4.7): Opaque in vd, String in vs, Objlnk a valid vlo; else 4.00', async () => {
    h = await startHarness();
    const t = await registered(h);
    // Package (/5/0/0) is Opaque: text in vs would be published where consumers expect base64.
    expect((await t.dev.sendData(JSON.stringify([{ n: '/5/0/0', vs: 'not base64 bytes' }]), SENML_JSON)).code).toBe('4.00');
    expect(
      (
        await t.dev.sendData(
          senmlCbor([
            [
              [0, '/5/0/0'],
              [3, 'text'],
            ],
          ]),
          SENML_CBOR,
        )
      ).code,
    ).toBe('4.00');
    // Manufacturer (/3/0/0) is a String: bytes in vd are refused too.
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/0', vd: 'AQID' }]), SENML_JSON)).code).toBe('4.00');
    expect(
      (
        await t.dev.sendData(
          senmlCbor([
            [
              [0, '/3/0/0'],
              [8, Buffer.from('ACME')],
            ],
          ]),
          SENML_CBOR,
        )
      ).code,
    ).toBe('4.00');
    // ExtDevInfo (/3/0/22) is an Objlnk: "oid:iid" in vlo only.
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/22/0', vs: '1:0' }]), SENML_JSON)).code).toBe('4.00');
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/22/0', vlo: '1:70000' }]), SENML_JSON)).code).toBe('4.00');
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/22/0', vlo: 'lwm2m/#' }]), SENML_JSON)).code).toBe('4.00');
    await h.mqtt.none(t.topic, 200);
    // The right members pass.
    const ok = [
      { n: '/5/0/0', vd: 'AQID' },
      { n: '/3/0/0', vs: 'ACME' },
      { n: '/3/0/22/0', vlo: '65535:65535' },
    ];
    expect((await t.dev.sendData(JSON.stringify(ok), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({
      msgType: 'send',
      data: {
        content: [
          { path: '/5/0/0', value: 'AQID' },
          { path: '/3/0/0', value: 'ACME' },
          { path: '/3/0/22/0', value: '65535:65535' },
        ],
      },
    });
  });

  it('a Send larger than one datagram arrives in Block1 blocks: 2.31 per block, then 2.04 with the values (RFC 7959 §2.3)', async () => {
    h = await startHarness({ max_link_payload: '4KB' });
    const t = await registered(h);
    const pack = Array.from({ length: 60 }, (_, i) => ({ bn: '/3/0/', n: '9', v: i, t: i }));
    const body = Buffer.from(JSON.stringify(pack));
    expect(body.length).toBeGreaterThan(1024);
    const size = 1024;
    const count = Math.ceil(body.length / size);
    for (let n = 0; n < count; n += 1) {
      const more = n < count - 1;
      const answer = await t.dev.sendData(body.subarray(n * size, (n + 1) * size), SENML_JSON, [{ number: 27, value: block(n, more, 6) }]);
      expect(answer.code).toBe(more ? '2.31' : '2.04');
      expect(answer.options.find((o) => o.number === 27)?.value).toEqual(block(n, more, 6));
    }
    const event = (await h.mqtt.next(t.topic)) as { data: { content: unknown[] } };
    expect(event.data.content).toHaveLength(60);
    expect(event.data.content[59]).toEqual({ path: '/3/0/9', value: 59, time: expect.any(Number) });
  });

  it('a Send body above max_link_payload is 4.13 with Size1, at the block that crosses it or at once for a Size1 above it', async () => {
    h = await startHarness({ max_link_payload: '2KB' });
    const t = await registered(h);
    const filler = Buffer.alloc(1024, 0x20);
    expect((await t.dev.sendData(filler, SENML_JSON, [{ number: 27, value: block(0, true, 6) }])).code).toBe('2.31');
    expect((await t.dev.sendData(filler, SENML_JSON, [{ number: 27, value: block(1, true, 6) }])).code).toBe('2.31');
    const over = await t.dev.sendData(Buffer.from('[]'), SENML_JSON, [{ number: 27, value: block(2, false, 6) }]);
    expect(over.code).toBe('4.13');
    expect(over.options.find((o) => o.number === 60)?.value).toEqual(uint(2048));
    const announced = await t.dev.sendData(filler, SENML_JSON, [
      { number: 27, value: block(0, true, 6) },
      { number: 60, value: uint(1_000_000) },
    ]);
    expect(announced.code).toBe('4.13');
    await h.mqtt.none(t.topic, 200);
  });

  it('a Send right behind the Register is published after the register event (per-device command filter)', async () => {
    // ${clientid}: the register event waits for the device's own subscription (a broker round trip).
    h = await startHarness({ mountpoint: 'lwm2m/${clientid}/' });
    const ep = uniqueEp('sendfirst');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    // Both datagrams leave back to back, before the gateway's SUBACK can arrive.
    const [registered, sent] = await Promise.all([
      dev.register(ep, { lt: 300, lwm2m: '1.1' }),
      dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 80 }]), SENML_JSON),
    ]);
    expect(registered.code).toBe('2.01');
    expect(sent.code).toBe('2.04');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    expect(await h.mqtt.next(resp)).toEqual({ msgType: 'send', data: { content: [{ path: '/3/0/9', value: 80 }] } });
  });

  it('hostile packs are 4.00 and the gateway keeps serving: deep nesting, an array announcing 2^32 items, wrong types', async () => {
    h = await startHarness({ max_link_payload: '64KB' });
    const t = await registered(h);
    const hostile: [Buffer | string, number][] = [
      [Buffer.concat([Buffer.alloc(20_000, 0x81), Buffer.from([0x01])]), SENML_CBOR], // [[[[...1]]]]: stack depth
      [Buffer.concat([Buffer.alloc(20_000, 0x9f), Buffer.from([0x01])]), SENML_CBOR], // indefinite-length arrays
      [Buffer.from([0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0]), SENML_CBOR], // array of 2^32 items
      [Buffer.from([0xbb, 0, 0, 0, 1, 0, 0, 0, 0]), SENML_CBOR], // map of 2^32 pairs
      ['['.repeat(20_000) + ']'.repeat(20_000), SENML_JSON],
      [JSON.stringify([{ n: ['/3/0/9'], v: 1 }]), SENML_JSON],
      [JSON.stringify([{ n: '/3/0/9', v: '1' }]), SENML_JSON],
      [JSON.stringify({ n: '/3/0/9', v: 1 }), SENML_JSON],
      [
        senmlCbor([
          [
            [0, 9],
            [2, 1],
          ],
        ]),
        SENML_CBOR,
      ],
    ];
    for (const [payload, format] of hostile) {
      // Larger than one datagram's worth: sent in Block1 blocks.
      const body = Buffer.from(payload);
      const count = Math.ceil(body.length / 1024);
      let answer;
      for (let n = 0; n < count; n += 1) {
        const more = n < count - 1;
        answer = await t.dev.sendData(body.subarray(n * 1024, (n + 1) * 1024), format, count === 1 ? [] : [{ number: 27, value: block(n, more, 6) }]);
        if (more) expect(answer.code).toBe('2.31');
      }
      expect(answer?.code).toBe('4.00');
      expect(answer?.payload.length).toBe(0);
    }
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 5 }]), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({ msgType: 'send', data: { content: [{ path: '/3/0/9', value: 5 }] } });
    expect(h.gateway.coapStats.malformed).toBe(0);
  });

  it('RFC 8428 §4.4: a must-understand label (ending in "_") or a bver above 10 makes the pack unusable: 4.00', async () => {
    h = await startHarness();
    const t = await registered(h);
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 1, rel_: 'x' }]), SENML_JSON)).code).toBe('4.00');
    expect((await t.dev.sendData(JSON.stringify([{ bver: 11, n: '/3/0/9', v: 1 }]), SENML_JSON)).code).toBe('4.00');
    expect(
      (
        await t.dev.sendData(
          senmlCbor([
            [
              [0, '/3/0/9'],
              [2, 1],
              ['rel_', 'x'],
            ],
          ]),
          SENML_CBOR,
        )
      ).code,
    ).toBe('4.00');
    expect(
      (
        await t.dev.sendData(
          senmlCbor([
            [
              [-1, 11],
              [0, '/3/0/9'],
              [2, 1],
            ],
          ]),
          SENML_CBOR,
        )
      ).code,
    ).toBe('4.00');
    await h.mqtt.none(t.topic, 200);
    // bver 10 and labels not ending in "_" (e.g. "u", unit) are fine.
    expect((await t.dev.sendData(JSON.stringify([{ bver: 10, n: '/3/0/9', v: 1, u: '%' }]), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({ msgType: 'send', data: { content: [{ path: '/3/0/9', value: 1 }] } });
  });

  it('a base value (bv) is added to the numeric values of its record and the later ones (RFC 8428 §4.1)', async () => {
    h = await startHarness();
    const t = await registered(h);
    const pack = [
      { bn: '/3/0/', bv: 100, n: '9', v: -5 },
      { n: '10', v: 1 },
      { n: '0', vs: 'ACME' },
    ];
    expect((await t.dev.sendData(JSON.stringify(pack), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({
      msgType: 'send',
      data: {
        content: [
          { path: '/3/0/9', value: 95 },
          { path: '/3/0/10', value: 101 },
          { path: '/3/0/0', value: 'ACME' },
        ],
      },
    });
    expect(
      (
        await t.dev.sendData(
          senmlCbor([
            [
              [-2, '/3/0/'],
              [-5, 50],
              [0, '9'],
              [2, 7],
            ],
          ]),
          SENML_CBOR,
        )
      ).code,
    ).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({ msgType: 'send', data: { content: [{ path: '/3/0/9', value: 57 }] } });
  });

  it('publishes on the send translator when one is configured', async () => {
    h = await startHarness({ translators: { send: { topic: 'up/send', qos: 1 } } });
    const t = await registered(h, 'up/send');
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 7 }]), SENML_JSON)).code).toBe('2.04');
    expect(await h.mqtt.next(t.topic)).toEqual({ msgType: 'send', data: { content: [{ path: '/3/0/9', value: 7 }] } });
    await h.mqtt.none(`lwm2m/${t.ep}/response`, 100);
  });

  it('enable_send false: 4.04 as EMQX, nothing published', async () => {
    h = await startHarness({ enable_send: false });
    const t = await registered(h);
    expect((await t.dev.sendData(JSON.stringify([{ n: '/3/0/9', v: 7 }]), SENML_JSON)).code).toBe('4.04');
    await h.mqtt.none(t.topic, 200);
  });
});
