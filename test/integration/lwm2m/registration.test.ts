import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniqueEp, type Harness } from './harness.js';

describe('LwM2M registration interface over real UDP + MQTT', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ lifetime_min: '1s', lifetime_grace: '200ms' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('registers, reports as EMQX (plus how the device authenticated), updates and de-registers', async () => {
    const ep = uniqueEp('reg');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    const ack = await dev.register(ep, {
      lt: 345,
      lwm2m: '1',
      extra: ['b=U', 'apn=psm', 'password=hunter2', 'secret=s', 'private_key=k', 'access_token=t', 'imei=860'],
      links: '</>;rt="oma.lwm2m",</1>,</2>,</3>,</4>,</5>',
    });
    expect(ack.type).toBe('ACK');
    expect(ack.code).toBe('2.01');
    expect(dev.location).toEqual(['rd', ep]);
    expect(await h.mqtt.next(resp)).toEqual({
      msgType: 'register',
      data: { ep, lt: 345, lwm2m: '1', auth: 'none', b: 'U', apn: 'psm', imei: '860', alternatePath: '/', objectList: ['/1', '/2', '/3', '/4', '/5'] },
    });
    // Update without lt keeps 345; a new link list replaces the object list.
    expect((await dev.update([], '</1/0>,</3/0>')).code).toBe('2.04');
    expect(await h.mqtt.next(resp)).toEqual({
      msgType: 'update',
      data: { ep, lt: 345, lwm2m: '1', auth: 'none', b: 'U', apn: 'psm', imei: '860', alternatePath: '/', objectList: ['/1/0', '/3/0'] },
    });
    expect((await dev.update(['lt=0'])).code).toBe('2.04');
    expect(((await h.mqtt.next(resp)).data as Record<string, unknown>).lt).toBe(0);
    expect((await dev.deregister()).code).toBe('2.02');
    expect(await h.mqtt.next(resp)).toEqual({ msgType: 'deregister', data: { ep, reason: 'deregister' } });
    // The location is gone.
    expect((await dev.deregister()).code).toBe('4.04');
    expect((await dev.update()).code).toBe('4.04');
  });

  it('rejects bad registrations with 4.00 (an unsupported version 4.12) and no diagnostic payload', async () => {
    const dev = await h.device();
    const wrongVersion = await dev.request('0.02', ['rd'], [`ep=${uniqueEp()}`, 'lt=60', 'lwm2m=8.3'], '</1/0>');
    expect(wrongVersion.code).toBe('4.12');
    expect(wrongVersion.payload.length).toBe(0);
    expect((await dev.request('0.02', ['rd'], [`ep=${uniqueEp()}`, 'lt=60'], '</1/0>')).code).toBe('4.00');
    expect((await dev.request('0.02', ['rd'], ['lt=60', 'lwm2m=1.0'], '</1/0>')).code).toBe('4.00');
    expect((await dev.request('0.02', ['rd'], [`ep=${uniqueEp()}`, 'lt=abc', 'lwm2m=1.0'], '</1/0>')).code).toBe('4.00');
    expect((await dev.request('0.02', ['rd'], [`ep=${uniqueEp()}`, 'lwm2m=1.0'], '<broken')).code).toBe('4.00');
    expect((await dev.request('0.02', ['bad'], [])).code).toBe('4.04');
    // LwM2M 1.1 Send from a peer with no registration: 4.03, no payload.
    const send = await dev.request('0.02', ['dp'], []);
    expect(send.code).toBe('4.03');
    expect(send.payload.length).toBe(0);
    expect((await dev.request('0.02', [], [])).code).toBe('4.04');
    expect((await dev.request('0.04', [], [])).code).toBe('4.00');
    expect((await dev.request('0.04', ['rd', 'nobody'], [])).code).toBe('4.04');
  });

  it('accepts 1.1 with valueless Q, missing lt (86400) and alternate path', async () => {
    const ep = uniqueEp('q');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    const ack = await dev.register(ep, { lwm2m: '1.1', extra: ['Q', 'b=U'], links: '</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/0>,</3/0>' });
    expect(ack.code).toBe('2.01');
    const report = await h.mqtt.next(resp);
    expect(report.data).toMatchObject({ ep, lt: 86400, lwm2m: '1.1', alternatePath: '/lwm2m', objectList: ['/1/0', '/3/0'] });
  });

  it('re-register replaces the registration and answers 2.01 with an identical report', async () => {
    const ep = uniqueEp('rereg');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 60 })).code).toBe('2.01');
    const first = await h.mqtt.next(resp);
    expect((await dev.register(ep, { lt: 60 })).code).toBe('2.01');
    expect(await h.mqtt.next(resp)).toEqual(first);
    expect(h.gateway.store.get(ep)).toMatchObject({ endpoint: ep, lifetime: 60 });
  });

  it('expires a silent registration after lt + grace and publishes an expired event', async () => {
    const ep = uniqueEp('exp');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 1 });
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    expect(await h.mqtt.next(resp, 4000)).toEqual({ msgType: 'deregister', data: { ep, reason: 'expired' } });
    expect(h.gateway.store.get(ep)).toBeUndefined();
    expect((await dev.update()).code).toBe('4.04');
  });

  it('follows the device to a new address on Update (NAT rebinding)', async () => {
    const ep = uniqueEp('nat');
    const cmd = `lwm2m/${ep}/command`;
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const before = await h.device();
    await before.register(ep, { lt: 60 });
    await h.mqtt.next(resp);
    const after = await h.device();
    after.location = before.location;
    expect((await after.update()).code).toBe('2.04');
    await h.mqtt.next(resp);
    await h.mqtt.send(cmd, { reqID: 1, msgType: 'read', data: { path: '/3/0/0' } });
    const req = await after.expectRequest();
    after.respond(req, { code: '2.05', format: 0, payload: 'moved' });
    expect(await h.mqtt.next(resp)).toEqual({
      reqID: 1,
      msgType: 'read',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'moved' }] },
    });
    await before.expectNothing(100);
  });

  it('survives garbage and malformed CoAP; other devices are unaffected', async () => {
    const ep = uniqueEp('garbage');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const good = await h.device();
    await good.register(ep, { lt: 60 });
    await h.mqtt.next(resp);
    const bad = await h.device();
    const samples = [
      Buffer.from([]),
      Buffer.from([0x40]),
      Buffer.from([0x00, 0x01, 0x00, 0x01]), // version 0
      Buffer.from([0x4f, 0x01, 0x00, 0x01]), // token length 15
      Buffer.from([0x48, 0x01, 0x00, 0x01, 1, 2]), // truncated token
      Buffer.from([0x40, 0x01, 0x00, 0x01, 0xf0]), // option delta 15
      Buffer.from([0x40, 0x01, 0x00, 0x01, 0xdd]), // truncated extended option
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ];
    for (let i = 0; i < 200; i++) samples.push(Buffer.from(Array.from({ length: 1 + (i % 40) }, () => Math.floor(Math.random() * 256))));
    for (const s of samples) bad.sendRaw(s);
    // A CoAP ping (empty CON) is answered with RST.
    expect((await bad.ping()).type).toBe('RST');
    expect((await good.update()).code).toBe('2.04');
    expect((await h.mqtt.next(resp)).msgType).toBe('update');
  });
});

describe('LwM2M registration events keep their order under per-device command filters', () => {
  let h: Harness;
  beforeAll(async () => {
    // ${clientid}: the register event waits for the device's own subscription (a broker round trip).
    h = await startHarness({ mountpoint: 'lwm2m/${clientid}/' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('an Update right behind the Register is published after the register event', async () => {
    const ep = uniqueEp('updfirst');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    // Both datagrams leave back to back, before the gateway's SUBACK can arrive.
    const [registered, updated] = await Promise.all([dev.register(ep, { lt: 300 }), dev.request('0.02', ['rd', ep], ['lt=600'])]);
    expect(registered.code).toBe('2.01');
    expect(updated.code).toBe('2.04');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    expect(await h.mqtt.next(resp)).toMatchObject({ msgType: 'update', data: { lt: 600 } });
  });
});
