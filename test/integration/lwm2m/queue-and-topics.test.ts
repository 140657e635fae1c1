import { afterEach, describe, expect, it } from 'vitest';
import { pathOf, uintOptionOf } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

describe('LwM2M queue mode, auto_observe and EMQX 5 translators', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('queue mode: commands wait outside the awake window and go out in order on Update', async () => {
    h = await startHarness({ qmode_time_window: '300ms' });
    const ep = uniqueEp('uq');
    const cmd = `lwm2m/${ep}/command`;
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300, extra: ['b=UQ'] });
    await h.mqtt.next(resp);
    // Awake right after registering: sent at once.
    await h.mqtt.send(cmd, { reqID: 0, msgType: 'read', data: { path: '/3/0/0' } });
    const first = await dev.expectRequest();
    dev.respond(first, { code: '2.05', format: 0, payload: 'a' });
    expect((await h.mqtt.next(resp)).reqID).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    for (let i = 1; i <= 3; i++) await h.mqtt.send(cmd, { reqID: i, msgType: 'read', data: { path: `/3/0/${i}` } });
    await dev.expectNothing(200);
    const seen = dev.received.length;
    const updateAck = await dev.update(['lt=789']);
    expect(updateAck.code).toBe('2.04');
    expect(await h.mqtt.next(resp)).toMatchObject({ msgType: 'update', data: { ep, lt: 789, b: 'UQ' } });
    for (let i = 1; i <= 3; i++) {
      const req = await dev.expectRequest();
      // The Update is answered before the first queued request leaves.
      if (i === 1) expect(dev.received.slice(seen).map((m) => m.type)).toEqual(['ACK', 'CON']);
      expect(pathOf(req)).toBe(`/3/0/${i}`);
      dev.respond(req, { code: '2.05', format: 0, payload: `v${i}` });
      expect(await h.mqtt.next(resp)).toMatchObject({ reqID: i, msgType: 'read', data: { code: '2.05' } });
    }
  });

  it('queue mode: commands older than queue_max_age are answered with coap_timeout', async () => {
    h = await startHarness({ qmode_time_window: '100ms', queue_max_age: '200ms' });
    const ep = uniqueEp('uqage');
    const cmd = `lwm2m/${ep}/command`;
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300, lwm2m: '1.1', extra: ['Q'] });
    await h.mqtt.next(resp);
    await new Promise((r) => setTimeout(r, 150));
    await h.mqtt.send(cmd, { reqID: 'old', msgType: 'read', data: { path: '/3/0/0' } });
    expect(await h.mqtt.next(resp, 3000)).toEqual({ reqID: 'old', msgType: 'coap_timeout', data: { path: '/3/0/0' } });
    await dev.update();
    await h.mqtt.next(resp);
    await dev.expectNothing(100);
  });

  it('queue mode: a full queue (queue_max_size) drops its oldest command with coap_timeout, the rest go out in order', async () => {
    h = await startHarness({ qmode_time_window: '100ms', queue_max_size: 2 });
    const ep = uniqueEp('uqsize');
    const cmd = `lwm2m/${ep}/command`;
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300, lwm2m: '1.1', extra: ['Q'] });
    await h.mqtt.next(resp);
    await new Promise((r) => setTimeout(r, 150));
    for (const [reqID, rid] of [
      ['r1', 0],
      ['r2', 1],
      ['r3', 2],
    ] as const) {
      await h.mqtt.send(cmd, { reqID, msgType: 'read', data: { path: `/3/0/${rid}` } });
    }
    expect(await h.mqtt.next(resp, 3000)).toEqual({ reqID: 'r1', msgType: 'coap_timeout', data: { path: '/3/0/0' } });
    await dev.expectNothing(100);
    await dev.update();
    expect((await h.mqtt.next(resp)).msgType).toBe('update');
    const first = await dev.expectRequest();
    expect(pathOf(first)).toBe('/3/0/1');
    dev.respond(first, { code: '2.05', format: 0, payload: 'M' });
    expect(await h.mqtt.next(resp)).toMatchObject({ reqID: 'r2', msgType: 'read', data: { code: '2.05' } });
    const second = await dev.expectRequest();
    expect(pathOf(second)).toBe('/3/0/2');
  });

  it('a lifetime above lifetime_max is clamped: the registration expires at lifetime_max + grace', async () => {
    h = await startHarness({ lifetime_min: '1s', lifetime_max: '1s', lifetime_grace: '200ms' });
    const ep = uniqueEp('ltmax');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 3600 })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    expect(await h.mqtt.next(resp, 4000)).toEqual({ msgType: 'deregister', data: { ep, reason: 'expired' } });
  });

  it('EMQX 5 translators: dn/#, up/resp, up/notify with mountpoint lwm2m/${username}', async () => {
    h = await startHarness(
      { mountpoint: 'lwm2m/${username}' },
      {
        command: { topic: '/dn/#', qos: 0 },
        response: { topic: '/up/resp', qos: 0 },
        notify: { topic: '/up/notify', qos: 0 },
        register: { topic: '/up/resp', qos: 0 },
        update: { topic: '/up/resp', qos: 0 },
        deregister: { topic: '/up/resp', qos: 0 },
      },
    );
    const ep = uniqueEp('emqx5');
    const imei = uniqueEp('imei');
    const resp = `lwm2m/${imei}/up/resp`;
    const notify = `lwm2m/${imei}/up/notify`;
    await h.mqtt.watch(resp);
    await h.mqtt.watch(notify);
    const dev = await h.device();
    await dev.register(ep, { lt: 300, extra: [`imei=${imei}`] });
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    await h.mqtt.send(`lwm2m/${imei}/dn/dm`, { reqID: 1, msgType: 'observe', data: { path: '/3/0/10' } });
    const obs = await dev.expectRequest();
    expect(uintOptionOf(obs, 6)).toBe(0);
    dev.respond(obs, { code: '2.05', format: 0, payload: '1', observe: 1 });
    expect((await h.mqtt.next(resp)).msgType).toBe('observe');
    await dev.sendResponse(obs, { code: '2.05', format: 0, payload: '2', observe: 2 }, 'NON');
    expect(await h.mqtt.next(notify)).toEqual({
      reqID: 1,
      msgType: 'notify',
      seqNum: 2,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/10', content: [{ path: '/3/0/10', value: 2 }] },
    });
    // Commands on the bare dn topic work too (dn/# matches its parent).
    await h.mqtt.send(`lwm2m/${imei}/dn`, { reqID: 2, msgType: 'read', data: { path: '/3/0/0' } });
    const read = await dev.expectRequest();
    dev.respond(read, { code: '2.05', format: 0, payload: 'x' });
    expect((await h.mqtt.next(resp)).reqID).toBe(2);
    await dev.deregister();
    expect(await h.mqtt.next(resp)).toEqual({ msgType: 'deregister', data: { ep, reason: 'deregister' } });
  });

  it('Register then an immediate De-register: events in order, no auto-observe for the gone device', async () => {
    // `${clientid}` (= ep without device_id) keeps one command subscription per device, so the
    // De-register arrives while that subscription is still under way (the race this test is about).
    h = await startHarness({ auto_observe: true, mountpoint: 'lwm2m/${clientid}/' });
    const ep = uniqueEp('quick');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    const registering = dev.register(ep, { lt: 300, links: '</3/0>' });
    // DELETE sent right behind the Register, before the gateway's command subscription can complete.
    const deregistering = dev.request('0.04', ['rd', ep]);
    expect((await registering).code).toBe('2.01');
    expect((await deregistering).code).toBe('2.02');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    expect(await h.mqtt.next(resp)).toEqual({ msgType: 'deregister', data: { ep, reason: 'deregister' } });
    await dev.expectNothing(200);
    await h.mqtt.none(resp, 50);
  });

  it('auto_observe true: observes /3/0 only (ignore list, unknown object skipped), again after re-register', async () => {
    h = await startHarness({ auto_observe: true });
    const ep = uniqueEp('auto');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    const links = '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/2/0>,</lwm2m/3/0>,</lwm2m/59102/0>';
    await dev.register(ep, { lt: 300, links });
    await h.mqtt.next(resp);
    let obs = await dev.expectRequest();
    expect(pathOf(obs)).toBe('/lwm2m/3/0');
    expect(uintOptionOf(obs, 6)).toBe(0);
    expect(obs.token.length).toBeGreaterThan(0);
    dev.respond(obs, { code: '2.05', format: 11542, payload: Buffer.from([0xc1, 0x09, 50]), observe: 1 });
    expect(await h.mqtt.next(resp)).toMatchObject({ msgType: 'observe', data: { reqPath: '/3/0', content: [{ path: '/3/0/9', value: 50 }] } });
    await dev.expectNothing(100);
    await dev.register(ep, { lt: 300, links });
    await h.mqtt.next(resp);
    obs = await dev.expectRequest();
    expect(pathOf(obs)).toBe('/lwm2m/3/0');
  });

  it('auto_observe list: listed paths present in the object list, in config order, ignore list bypassed', async () => {
    h = await startHarness({ auto_observe: ['/3/0', '/1/0', '/4/0'] });
    const ep = uniqueEp('autolist');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300, links: '</1/0>,</3/0>' });
    await h.mqtt.next(resp);
    const a = await dev.expectRequest();
    expect(pathOf(a)).toBe('/3/0');
    await dev.expectNothing(50);
    dev.respond(a, { code: '2.05', format: 11542, payload: Buffer.alloc(0) });
    await h.mqtt.next(resp);
    const b = await dev.expectRequest();
    expect(pathOf(b)).toBe('/1/0');
    dev.respond(b, { code: '4.04' });
    await h.mqtt.next(resp);
    await dev.expectNothing(100);
  });

  it('update_msg_publish_condition contains_object_list: only Updates with links are published', async () => {
    h = await startHarness({ update_msg_publish_condition: 'contains_object_list' });
    const ep = uniqueEp('cond');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300 });
    await h.mqtt.next(resp);
    expect((await dev.update()).code).toBe('2.04');
    await h.mqtt.none(resp, 150);
    expect((await dev.update([], '</3/0>,</4/0>')).code).toBe('2.04');
    expect(await h.mqtt.next(resp)).toMatchObject({ msgType: 'update', data: { ep, objectList: ['/3/0', '/4/0'] } });
  });

  it('observations end with the registration: a later notification is answered with RST', async () => {
    h = await startHarness();
    const ep = uniqueEp('obsdereg');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    await dev.register(ep, { lt: 300 });
    await h.mqtt.next(resp);
    await h.mqtt.send(`lwm2m/${ep}/command`, { msgType: 'observe', data: { path: '/3/0/9' } });
    const obs = await dev.expectRequest();
    dev.respond(obs, { code: '2.05', format: 0, payload: '5', observe: 1 });
    expect((await h.mqtt.next(resp)).msgType).toBe('observe');
    expect((await dev.deregister()).code).toBe('2.02');
    expect((await h.mqtt.next(resp)).msgType).toBe('deregister');
    const answer = await dev.sendResponse(obs, { code: '2.05', format: 0, payload: '6', observe: 2 }, 'CON');
    expect(answer?.type).toBe('RST');
    await h.mqtt.none(resp, 100);
  });
});
