import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queriesOf, type Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

describe('LwM2M versions: Write-Attributes per version, 1.2 registration rules (real UDP and MQTT)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { ack_timeout: '200ms', max_retransmit: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  async function registered(
    lwm2m: string,
    extra: readonly string[] = [],
    links = '</1/0>,</3/0>',
  ): Promise<{ dev: Lwm2mTestDevice; cmd: string; resp: string; event: Record<string, unknown> }> {
    const ep = uniqueEp('ver');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300, lwm2m, extra, links })).code).toBe('2.01');
    const event = await h.mqtt.next(resp);
    expect(event.msgType).toBe('register');
    return { dev, cmd: `lwm2m/${ep}/command`, resp, event };
  }

  it('write-attr: epmin/epmax need 1.1, edge/con/hqmax need 1.2; refused with the reason, nothing sent', async () => {
    const v10 = await registered('1.0');
    await h.mqtt.send(v10.cmd, { reqID: 1, msgType: 'write-attr', data: { path: '/3/0/9', pmin: 1, epmin: 2 } });
    const refused = await h.mqtt.next(v10.resp);
    expect(refused).toMatchObject({ reqID: 1, msgType: 'write-attr', data: { code: '4.00', codeMsg: 'bad_request', reqPath: '/3/0/9' } });
    expect((refused.data as { reason: string }).reason).toBe('attribute epmin needs LwM2M 1.1 or later; the device registered with lwm2m=1.0');

    const v11 = await registered('1.1');
    await h.mqtt.send(v11.cmd, { reqID: 2, msgType: 'write-attr', data: { path: '/3/0/9', edge: 1 } });
    expect(((await h.mqtt.next(v11.resp)).data as { reason: string }).reason).toMatch(/edge needs LwM2M 1\.2/);
    await h.mqtt.send(v11.cmd, { reqID: 3, msgType: 'write-attr', data: { path: '/3/0/9', epmin: 2, epmax: '60' } });
    const req = await v11.dev.expectRequest();
    expect(queriesOf(req)).toEqual(['epmin=2', 'epmax=60']);
    v11.dev.respond(req, { code: '2.04' });
    expect((await h.mqtt.next(v11.resp)).data).toEqual({ code: '2.04', codeMsg: 'changed', reqPath: '/3/0/9' });
    await v10.dev.expectNothing(50);
  });

  it('write-attr on a 1.2 device passes edge, con and hqmax through; bad values are refused', async () => {
    const v12 = await registered('1.2', ['Q']);
    await h.mqtt.send(v12.cmd, { msgType: 'write-attr', data: { path: '/3/0/9', pmax: 30, epmin: 1, edge: 1, con: '0', hqmax: 10 } });
    const req = await v12.dev.expectRequest();
    expect(req.code).toBe('0.03');
    expect(queriesOf(req)).toEqual(['pmax=30', 'epmin=1', 'edge=1', 'con=0', 'hqmax=10']);
    v12.dev.respond(req, { code: '2.04' });
    expect((await h.mqtt.next(v12.resp)).data).toMatchObject({ code: '2.04' });
    for (const data of [{ edge: 2 }, { con: 'yes' }, { hqmax: -1 }, { hqmax: 1.5 }]) {
      await h.mqtt.send(v12.cmd, { msgType: 'write-attr', data: { path: '/3/0/9', ...data } });
      expect((await h.mqtt.next(v12.resp)).data).toMatchObject({ code: '4.00' });
    }
    await v12.dev.expectNothing(50);
  });

  it('1.2 Register: Q is valueless and is queue mode, binding letters U T S N M H without Q; events carry the versions', async () => {
    const links = '</>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0>;ver=1.2,</3303/0>;ver=1.1,</3303>;ver=2.0';
    const ok = await registered('1.2', ['b=UM', 'Q'], links);
    expect(ok.event.data).toMatchObject({ lwm2m: '1.2', b: 'UM', Q: '', objectVersions: { '1': '1.1', '3': '1.2', '3303': '2.0' } });
    expect(ok.event.data).toMatchObject({ objectList: ['/1', '/1/0', '/3/0', '/3303/0', '/3303'] });

    const dev = await h.device();
    // Refusals carry no diagnostic payload (amplification, RFC 7252 §11.3); the reasons are unit-tested.
    for (const query of [['b=UQ'], ['Q=1'], ['b=UX'], ['b=UU']]) {
      const answer = await dev.register(uniqueEp('bad12'), { lt: 300, lwm2m: '1.2', extra: query });
      expect(answer.code).toBe('4.00');
      expect(answer.payload.length).toBe(0);
    }
    const badVersion = await dev.register(uniqueEp('badver'), { lt: 300, lwm2m: '1.2', links: '</3>;ver=one' });
    expect(badVersion.code).toBe('4.00');
    expect(badVersion.payload.length).toBe(0);
    // Before 1.2 a malformed ver= is ignored, as EMQX does.
    expect((await registered('1.1', [], '</3>;ver=one,</3/0>')).event.data).toMatchObject({ objectList: ['/3', '/3/0'] });
    // 1.0 and 1.1 keep accepting b=UQ as queue mode (devices in the field send it; EMQX accepts it).
    expect((await registered('1.1', ['b=UQ'])).event.data).toMatchObject({ b: 'UQ' });
  });

  it('a Register with a version the server does not support is 4.12 Precondition Failed; a value that is no version 4.00', async () => {
    const dev = await h.device();
    for (const lwm2m of ['1.3', '2.0']) {
      const answer = await dev.register(uniqueEp('ver412'), { lt: 300, lwm2m });
      expect(answer.code).toBe('4.12');
      expect(answer.payload.length).toBe(0);
    }
    for (const lwm2m of ['one', '1.1.1', '']) expect((await dev.register(uniqueEp('ver400'), { lt: 300, lwm2m })).code).toBe('4.00');
  });

  it('an Update from a 1.2 device follows the same rules', async () => {
    const v12 = await registered('1.2', ['Q']);
    expect((await v12.dev.update(['b=UQ'])).code).toBe('4.00');
    expect((await v12.dev.update(['b=T'])).code).toBe('2.04');
    expect(((await h.mqtt.next(v12.resp)).data as Record<string, unknown>).b).toBe('T');
  });
});
