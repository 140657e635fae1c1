import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lwm2mTestDevice, uint } from '../../helpers/lwm2m-device.js';
import { startHarness, uniqueEp, type Harness } from './harness.js';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LwM2M limits: max_connections per listener, link count', () => {
  let h: Harness;
  const devices: Lwm2mTestDevice[] = [];
  let a: { host: string; port: number };
  let b: { host: string; port: number };
  beforeAll(async () => {
    h = await startHarness({
      lifetime_min: '1s',
      lifetime_grace: '100ms',
      max_links: 5,
      listeners: { udp: { a: { bind: '127.0.0.1:0', max_connections: 2 }, b: { bind: '127.0.0.1:0', max_connections: 1 } } },
    });
    const [first, second] = h.gateway.addresses;
    a = { host: '127.0.0.1', port: first?.port ?? 0 };
    b = { host: '127.0.0.1', port: second?.port ?? 0 };
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await h.close();
  });

  async function device(server: { host: string; port: number }): Promise<Lwm2mTestDevice> {
    const d = await Lwm2mTestDevice.open(server);
    devices.push(d);
    return d;
  }

  it('refuses a link payload with more than max_links links with 4.00', async () => {
    const d = await device(a);
    const ep = uniqueEp('links');
    const answer = await d.request('0.02', ['rd'], [`ep=${ep}`, 'lwm2m=1.0'], '</1/0>,</2/0>,</3/0>,</4/0>,</5/0>,</6/0>');
    expect(answer.code).toBe('4.00');
    expect(h.gateway.store.get(ep)).toBeUndefined();
  });

  it('refuses a Register beyond max_connections with 5.03; de-register, expiry and a move to another listener release the slot', async () => {
    const d1 = await device(a);
    const d2 = await device(a);
    const d3 = await device(a);
    expect((await d1.register(uniqueEp('m1'), { lt: 300 })).code).toBe('2.01');
    const short = uniqueEp('m2');
    expect((await d2.register(short, { lt: 1 })).code).toBe('2.01');
    const third = await d3.register(uniqueEp('m3'), { lt: 300 });
    expect(third.code).toBe('5.03');
    expect(third.payload.length).toBe(0);
    // De-register releases a slot.
    expect((await d1.deregister()).code).toBe('2.02');
    const ep3 = uniqueEp('m3');
    expect((await d3.register(ep3, { lt: 300 })).code).toBe('2.01');
    expect((await (await device(a)).register(uniqueEp('m4'))).code).toBe('5.03');
    // Expiry releases a slot.
    await until(() => h.gateway.store.get(short) === undefined);
    const d4 = await device(a);
    expect((await d4.register(uniqueEp('m4'), { lt: 300 })).code).toBe('2.01');
    expect((await (await device(a)).register(uniqueEp('m5'))).code).toBe('5.03');
    // The same endpoint registering through listener b moves its count from a to b.
    const moved = await device(b);
    expect((await moved.register(ep3, { lt: 300 })).code).toBe('2.01');
    expect((await (await device(a)).register(uniqueEp('m6'), { lt: 300 })).code).toBe('2.01');
    // b is now full.
    expect((await (await device(b)).register(uniqueEp('m7'))).code).toBe('5.03');
  });
});

describe('LwM2M limits: max_registrations_per_address', () => {
  let h: Harness;
  const devices: Lwm2mTestDevice[] = [];
  beforeAll(async () => {
    h = await startHarness({ max_registrations_per_address: 2 });
  });
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await h.close();
  });

  async function device(localAddress: string): Promise<Lwm2mTestDevice> {
    const d = await Lwm2mTestDevice.open(h.server, localAddress);
    devices.push(d);
    return d;
  }

  it('refuses a third registration from one address with 5.03; other addresses are not affected; de-register releases', async () => {
    const first = await device('127.0.0.1');
    expect((await first.register(uniqueEp('pa'))).code).toBe('2.01');
    expect((await (await device('127.0.0.1')).register(uniqueEp('pa'))).code).toBe('2.01');
    const third = await device('127.0.0.1');
    expect((await third.register(uniqueEp('pa'))).code).toBe('5.03');
    expect((await (await device('127.0.0.2')).register(uniqueEp('pb'))).code).toBe('2.01');
    expect((await first.deregister()).code).toBe('2.02');
    expect((await third.register(uniqueEp('pa'))).code).toBe('2.01');
  });
});

describe('LwM2M limits: Block2 bodies under reassembly share one byte budget (dedup_memory)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { dedup_memory: '4KB' } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** Block2 option value with SZX 6 (1024-byte blocks), RFC 7959 §2.2. */
  const block2 = (num: number, more: boolean): Buffer => uint(num * 16 + (more ? 8 : 0) + 6);

  async function reading(name: string): Promise<{ dev: Lwm2mTestDevice; resp: string; req: Awaited<ReturnType<Lwm2mTestDevice['expectRequest']>> }> {
    const ep = uniqueEp(name);
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: name, msgType: 'read', data: { path: '/3/0/0' } });
    return { dev, resp, req: await dev.expectRequest() };
  }

  it('the body that takes the held total past the budget ends with 4.13; the others complete', async () => {
    const a = await reading('b2a');
    const b = await reading('b2b');
    const chunk = Buffer.alloc(1024, 0x61);
    // Device a: three blocks held (3 KB), more to come.
    for (let num = 0; num < 3; num += 1) {
      a.dev.respond(a.req, { code: '2.05', format: 0, payload: chunk, extraOptions: [{ number: 23, value: block2(num, true) }] });
      a.req = await a.dev.expectRequest();
    }
    // Device b: its first block fits (4 KB held), its second does not.
    b.dev.respond(b.req, { code: '2.05', format: 0, payload: chunk, extraOptions: [{ number: 23, value: block2(0, true) }] });
    b.req = await b.dev.expectRequest();
    b.dev.respond(b.req, { code: '2.05', format: 0, payload: chunk, extraOptions: [{ number: 23, value: block2(1, true) }] });
    expect(await h.mqtt.next(b.resp)).toMatchObject({ reqID: 'b2b', msgType: 'read', data: { code: '4.13' } });
    await b.dev.expectNothing(100);
    // Device a's body completes: b's blocks were released.
    a.dev.respond(a.req, { code: '2.05', format: 0, payload: Buffer.from('end'), extraOptions: [{ number: 23, value: block2(3, false) }] });
    const done = (await h.mqtt.next(a.resp)) as { data: { code: string; content: { value: string }[] } };
    expect(done.data.code).toBe('2.05');
    expect(done.data.content[0]?.value).toBe('a'.repeat(3072) + 'end');
  });
});
