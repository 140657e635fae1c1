import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/lwm2m/coap/message.js';
import { uint, type Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

type Opt = { number: number; value: Buffer };

/** Block option value (RFC 7959 §2.2). */
function block(num: number, more: boolean, szx: number): Buffer {
  return uint(num * 16 + (more ? 8 : 0) + szx);
}

function registerOptions(ep: string, extra: readonly Opt[] = []): Opt[] {
  return [
    { number: 11, value: Buffer.from('rd') },
    { number: 12, value: uint(40) },
    { number: 15, value: Buffer.from(`ep=${ep}`) },
    { number: 15, value: Buffer.from('lwm2m=1.1') },
    ...extra,
  ].sort((a, b) => a.number - b.number);
}

let mid = 1000;

/** Sends one CON and resolves with the next datagram the gateway sends to this device, decoded. */
async function exchange(dev: Lwm2mTestDevice, msg: { code: string; options?: Opt[]; payload?: Buffer; type?: 'CON' | 'NON' }) {
  const answer = new Promise<Buffer>((resolve) => dev.onRawMessage(resolve));
  mid += 1;
  dev.send({
    type: msg.type ?? 'CON',
    code: msg.code,
    messageId: mid,
    token: Buffer.from([7, 7]),
    options: msg.options ?? [],
    ...(msg.payload === undefined ? {} : { payload: msg.payload }),
  });
  return decodeMessage(await answer);
}

/** Proves nothing came back for what was sent before: the next datagram is the RST of a fresh CoAP ping. */
async function nothingBefore(dev: Lwm2mTestDevice): Promise<void> {
  const first = new Promise<Buffer>((resolve) => dev.onRawMessage(resolve));
  const ping = await dev.ping();
  const raw = decodeMessage(await first);
  expect(raw.type).toBe('RST');
  expect(raw.messageId).toBe(ping.messageId);
}

describe('CoAP rules at the LwM2M server (RFC 7252, RFC 7959)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ max_link_payload: '2KB' });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([[1], [5], [9], [35], [39], [2049]])('a Register with unrecognised critical option %i is answered 4.02 Bad Option (§5.4.1)', async (number) => {
    const dev = await h.device();
    const ep = uniqueEp('crit');
    const before = h.gateway.coapStats.badOptions;
    const answer = await exchange(dev, { code: '0.02', options: registerOptions(ep, [{ number, value: Buffer.from('x') }]), payload: Buffer.from('</1/0>') });
    expect(answer.type).toBe('ACK');
    expect(answer.code).toBe('4.02');
    expect(answer.payload.length).toBe(0);
    expect(h.gateway.store.get(ep)).toBeUndefined();
    expect(h.gateway.coapStats.badOptions).toBe(before + 1);
  });

  it('elective unknown options (even numbers) and Uri-Host / Uri-Port are accepted', async () => {
    const dev = await h.device();
    const ep = uniqueEp('elective');
    const extra = [
      { number: 3, value: Buffer.from('gw') },
      { number: 7, value: uint(5683) },
      { number: 2048, value: Buffer.from('y') },
      { number: 258, value: Buffer.alloc(0) },
    ];
    const answer = await exchange(dev, { code: '0.02', options: registerOptions(ep, extra), payload: Buffer.from('</1/0>') });
    expect(answer.code).toBe('2.01');
  });

  it('Block1 Register: 2.31 Continue per block, then 2.01 for the reassembled link payload (RFC 7959 §2.3)', async () => {
    const dev = await h.device();
    const ep = uniqueEp('block1');
    const links = Array.from({ length: 40 }, (_, i) => `</${1000 + i}/0>`).join(','); // > 64 bytes: 6 blocks of 64
    const body = Buffer.from(links);
    const size = 64;
    const count = Math.ceil(body.length / size);
    for (let n = 0; n < count; n += 1) {
      const more = n < count - 1;
      const answer = await exchange(dev, {
        code: '0.02',
        options: registerOptions(ep, [{ number: 27, value: block(n, more, 2) }]),
        payload: body.subarray(n * size, (n + 1) * size),
      });
      const b1 = answer.options.find((o) => o.number === 27)?.value;
      expect(b1).toEqual(block(n, more, 2));
      expect(answer.code).toBe(more ? '2.31' : '2.01');
    }
    expect(h.gateway.store.get(ep)?.objects?.objectList.length).toBe(40);
  });

  it('Block1: a block that does not continue the body is 4.08; a body above max_link_payload is 4.13 with Size1', async () => {
    const dev = await h.device();
    const ep = uniqueEp('block1bad');
    const stray = await exchange(dev, {
      code: '0.02',
      options: registerOptions(ep, [{ number: 27, value: block(3, true, 2) }]),
      payload: Buffer.alloc(64, 0x61),
    });
    expect(stray.code).toBe('4.08');
    let last = await exchange(dev, {
      code: '0.02',
      options: registerOptions(ep, [{ number: 27, value: block(0, true, 6) }]),
      payload: Buffer.alloc(1024, 0x20),
    });
    expect(last.code).toBe('2.31');
    last = await exchange(dev, { code: '0.02', options: registerOptions(ep, [{ number: 27, value: block(1, true, 6) }]), payload: Buffer.alloc(1024, 0x20) });
    expect(last.code).toBe('2.31');
    last = await exchange(dev, { code: '0.02', options: registerOptions(ep, [{ number: 27, value: block(2, false, 6) }]), payload: Buffer.from('</1/0>') });
    expect(last.code).toBe('4.13');
    expect(last.options.find((o) => o.number === 60)?.value).toEqual(uint(2048));
    // A Size1 above the cap is refused at the first block.
    const announced = await exchange(dev, {
      code: '0.02',
      options: registerOptions(ep, [
        { number: 27, value: block(0, true, 6) },
        { number: 60, value: uint(100_000) },
      ]),
      payload: Buffer.alloc(1024, 0x20),
    });
    expect(announced.code).toBe('4.13');
    expect(h.gateway.store.get(ep)).toBeUndefined();
  });

  it('a whole link payload above max_link_payload is 4.13', async () => {
    const dev = await h.device();
    const ep = uniqueEp('big');
    const links = Array.from({ length: 300 }, (_, i) => `</${i}/0>`).join(',');
    const answer = await exchange(dev, { code: '0.02', options: registerOptions(ep), payload: Buffer.from(links) });
    expect(answer.code).toBe('4.13');
    expect(h.gateway.store.get(ep)).toBeUndefined();
  });

  it('a request with Block SZX 7 is 4.00 (RFC 7959 §2.2)', async () => {
    const dev = await h.device();
    for (const number of [23, 27]) {
      const answer = await exchange(dev, {
        code: '0.02',
        options: registerOptions(uniqueEp('szx7'), [{ number, value: block(0, false, 7) }]),
        payload: Buffer.from('</1/0>'),
      });
      expect(answer.code).toBe('4.00');
    }
  });

  it('an Empty CON with a token or payload is a format error answered with RST; an Empty NON is dropped (RFC 7252 §4.1)', async () => {
    const dev = await h.device();
    const before = h.gateway.coapStats.malformed;
    const rst = new Promise<Buffer>((resolve) => dev.onRawMessage(resolve));
    dev.sendRaw(Buffer.from([0x42, 0x00, 0x12, 0x34, 0xaa, 0xbb]));
    expect((await rst).toString('hex')).toBe('70001234');
    dev.sendRaw(Buffer.from([0x50, 0x00, 0x12, 0x35, 0xff, 0x01]));
    await nothingBefore(dev);
    expect(h.gateway.coapStats.malformed).toBe(before + 2);
  });

  it('a NON Register with an unrecognised critical option is dropped without answer', async () => {
    const dev = await h.device();
    const ep = uniqueEp('noncrit');
    dev.send({
      type: 'NON',
      code: '0.02',
      messageId: 4242,
      token: Buffer.from([1]),
      options: registerOptions(ep, [{ number: 9, value: Buffer.from('o') }]),
      payload: Buffer.from('</1/0>'),
    });
    await nothingBefore(dev);
    expect(h.gateway.store.get(ep)).toBeUndefined();
  });
});
