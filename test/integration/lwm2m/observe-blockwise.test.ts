import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, uint, uintOptionOf, type DeviceMessage } from '../../helpers/lwm2m-device.js';
import type { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

/** RFC 7959 §2.2 Block2 value with SZX 0 (16-byte blocks). */
const block16 = (num: number, more: boolean): Buffer => uint(num * 16 + (more ? 8 : 0));

describe('LwM2M observe: Block2 notifications (RFC 7959 §2.6), deregistration token (RFC 7641 §3.6)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { ack_timeout: '200ms', max_retransmit: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  async function observed(path: string, reqID: number): Promise<{ dev: Lwm2mTestDevice; cmd: string; resp: string; obs: DeviceMessage }> {
    const ep = uniqueEp('obs');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300, links: '</lwm2m>;rt="oma.lwm2m",</lwm2m/3/0>' })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    const cmd = `lwm2m/${ep}/command`;
    await h.mqtt.send(cmd, { reqID, msgType: 'observe', data: { path } });
    const obs = await dev.expectRequest();
    expect(uintOptionOf(obs, 6)).toBe(0);
    return { dev, cmd, resp, obs };
  }

  it('a notification sent in blocks is completed with GET + Block2 (new token, no Observe) and published once', async () => {
    const t = await observed('/3/0/0', 20);
    t.dev.respond(t.obs, { code: '2.05', format: 0, payload: 'short', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');

    const body = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(3);
    await t.dev.sendResponse(
      t.obs,
      { code: '2.05', format: 0, payload: body.slice(0, 16), observe: 7, extraOptions: [{ number: 23, value: block16(0, true) }] },
      'NON',
    );
    let get = await t.dev.expectRequest();
    for (let num = 1; ; num++) {
      expect(get.code).toBe('0.01');
      expect(pathOf(get)).toBe('/lwm2m/3/0/0');
      expect(uintOptionOf(get, 6)).toBeUndefined();
      expect(uintOptionOf(get, 23)).toBe(num * 16);
      expect(get.token.equals(t.obs.token)).toBe(false);
      const more = (num + 1) * 16 < body.length;
      t.dev.respond(get, { code: '2.05', format: 0, payload: body.slice(num * 16, num * 16 + 16), extraOptions: [{ number: 23, value: block16(num, more) }] });
      if (!more) break;
      get = await t.dev.expectRequest();
    }
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 20,
      msgType: 'notify',
      seqNum: 7,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: body }] },
    });
    await h.mqtt.none(t.resp, 100);
    // The observation goes on: the next small notification is published as usual.
    await t.dev.sendResponse(t.obs, { code: '2.05', format: 0, payload: 'next', observe: 8 }, 'NON');
    expect((await h.mqtt.next(t.resp)).seqNum).toBe(8);
  });

  it('a device that answers the Block2 GET with the whole body (no block-wise, RFC 7959 §2.2) is published once, not doubled', async () => {
    const t = await observed('/3/0/0', 26);
    t.dev.respond(t.obs, { code: '2.05', format: 0, payload: 'short', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');
    const body = 'p'.repeat(16) + 'q'.repeat(10);
    await t.dev.sendResponse(
      t.obs,
      { code: '2.05', format: 0, payload: body.slice(0, 16), observe: 2, extraOptions: [{ number: 23, value: block16(0, true) }] },
      'NON',
    );
    const get = await t.dev.expectRequest();
    expect(uintOptionOf(get, 23)).toBe(16);
    t.dev.respond(get, { code: '2.05', format: 0, payload: body });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 26, msgType: 'notify', seqNum: 2, data: { content: [{ path: '/3/0/0', value: body }] } });
  });

  it('the first observe answer in blocks keeps its Observe value (seqNum) after reassembly', async () => {
    const t = await observed('/3/0/0', 21);
    const body = 'x'.repeat(16) + 'y'.repeat(4);
    t.dev.respond(t.obs, { code: '2.05', format: 0, payload: body.slice(0, 16), observe: 4, extraOptions: [{ number: 23, value: block16(0, true) }] });
    const get = await t.dev.expectRequest();
    expect(uintOptionOf(get, 23)).toBe(16);
    t.dev.respond(get, { code: '2.05', format: 0, payload: body.slice(16), extraOptions: [{ number: 23, value: block16(1, false) }] });
    expect(await h.mqtt.next(t.resp)).toEqual({
      reqID: 21,
      msgType: 'observe',
      seqNum: 4,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: body }] },
    });
  });

  it('cancel-observe sends GET Observe=1 with the observation token', async () => {
    const t = await observed('/3/0/10', 22);
    t.dev.respond(t.obs, { code: '2.05', format: 0, payload: '1', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');
    await h.mqtt.send(t.cmd, { reqID: 23, msgType: 'cancel-observe', data: { path: '/3/0/10' } });
    const cancel = await t.dev.expectRequest();
    expect(uintOptionOf(cancel, 6)).toBe(1);
    expect(cancel.token.equals(t.obs.token)).toBe(true);
    t.dev.respond(cancel, { code: '2.05', format: 0, payload: '2' });
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 23, msgType: 'cancel-observe', data: { code: '2.05' } });
  });

  it('observing a path again replaces the old observation: its token is then answered with RST', async () => {
    const t = await observed('/3/0/10', 24);
    t.dev.respond(t.obs, { code: '2.05', format: 0, payload: '1', observe: 1 });
    expect((await h.mqtt.next(t.resp)).msgType).toBe('observe');
    await h.mqtt.send(t.cmd, { reqID: 25, msgType: 'observe', data: { path: '/3/0/10' } });
    const again = await t.dev.expectRequest();
    t.dev.respond(again, { code: '2.05', format: 0, payload: '2', observe: 1 });
    expect((await h.mqtt.next(t.resp)).reqID).toBe(25);
    expect((await t.dev.sendResponse(t.obs, { code: '2.05', format: 0, payload: '3', observe: 2 }, 'CON'))?.type).toBe('RST');
    expect((await t.dev.sendResponse(again, { code: '2.05', format: 0, payload: '4', observe: 2 }, 'CON'))?.type).toBe('ACK');
    expect(await h.mqtt.next(t.resp)).toMatchObject({ reqID: 25, msgType: 'notify', seqNum: 2 });
    await h.mqtt.none(t.resp, 100);
  });
});
