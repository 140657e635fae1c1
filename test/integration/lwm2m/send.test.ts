import { Encoder } from 'cbor-x';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

const SENML_JSON = 110;
const SENML_CBOR = 112;
const TLV = 11542;

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
    expect((await t.dev.request('0.01', ['dp'])).code).toBe('4.05');
    await h.mqtt.none(t.topic, 200);
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
