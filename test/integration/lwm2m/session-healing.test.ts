import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniqueEp, type Harness } from './harness.js';

async function until(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the LwM2M bridge broker session heals itself', () => {
  let h: Harness;
  beforeAll(async () => {
    // Command topic QoS 1: the broker queues commands for the bridge's persistent session while it is away.
    h = await startHarness({ translators: { command: { topic: 'command', qos: 1 } } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The broker closes the bridge's session: another client takes its client id over, then leaves (session kept). */
  async function kickBridgeSession(): Promise<void> {
    const session = h.gateway.upstreamSession;
    const lost = session.stats.lost;
    const intruder = await h.upstream.connector.open({ clientId: session.clientId, cleanSession: false, keepAliveSeconds: 0 }, { onMessage: () => undefined });
    await until(() => session.stats.lost === lost + 1);
    await intruder.end();
    expect(session.online).toBe(false);
  }

  it('after the broker closes it: reconnects, resubscribes, replays commands published meanwhile, and delivers events held meanwhile', async () => {
    const ep = uniqueEp('heal');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    const restored = h.gateway.upstreamSession.stats.restored;

    await kickBridgeSession();
    // Published while the bridge has no session: kept by the broker for the persistent session.
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 7, msgType: 'read', data: { path: '/3/0/0' } });
    expect(h.gateway.upstreamSession.stats.restored).toBe(restored);
    // A device registering meanwhile: its register event is held and published once the session is back.
    const late = uniqueEp('late');
    await h.mqtt.watch(`lwm2m/${late}/response`);
    const lateDev = await h.device();
    expect((await lateDev.register(late, { lt: 300 })).code).toBe('2.01');

    const req = await dev.expectRequest(8000);
    await until(() => h.gateway.upstreamSession.stats.restored === restored + 1);
    dev.respond(req, { code: '2.05', format: 0, payload: 'after' });
    expect(await h.mqtt.next(resp)).toMatchObject({ reqID: 7, msgType: 'read', data: { code: '2.05' } });
    expect((await h.mqtt.next(`lwm2m/${late}/response`)).msgType).toBe('register');

    // Subscriptions restored: a command sent now reaches the late device too.
    await h.mqtt.send(`lwm2m/${late}/command`, { reqID: 8, msgType: 'read', data: { path: '/3/0/1' } });
    const lateReq = await lateDev.expectRequest();
    lateDev.respond(lateReq, { code: '2.05', format: 0, payload: 'x' });
    expect(((await h.mqtt.next(`lwm2m/${late}/response`)).data as Record<string, unknown>).code).toBe('2.05');
  });

  it('heals again after a second loss', async () => {
    const restored = h.gateway.upstreamSession.stats.restored;
    await kickBridgeSession();
    await until(() => h.gateway.upstreamSession.stats.restored === restored + 1);
    expect(h.gateway.upstreamSession.online).toBe(true);
  });
});

describe('the LwM2M bridge session with the default command translator (QoS 0)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a command published at QoS 1 while the session is away is still replayed (the filter is subscribed at QoS 1)', async () => {
    expect(h.gateway.bridge.sharedCommandFilter).toBeDefined();
    const ep = uniqueEp('qos0cfg');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    const session = h.gateway.upstreamSession;
    const { lost, restored } = session.stats;
    const intruder = await h.upstream.connector.open({ clientId: session.clientId, cleanSession: false, keepAliveSeconds: 0 }, { onMessage: () => undefined });
    await until(() => session.stats.lost === lost + 1);
    await intruder.end();
    // h.mqtt.send publishes at QoS 1.
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 11, msgType: 'read', data: { path: '/3/0/0' } });
    expect(session.stats.restored).toBe(restored);
    const req = await dev.expectRequest(8000);
    dev.respond(req, { code: '2.05', format: 0, payload: 'replayed' });
    expect(await h.mqtt.next(resp)).toMatchObject({ reqID: 11, msgType: 'read', data: { code: '2.05' } });
  });
});

describe('the LwM2M bridge session heals with one command filter per device', () => {
  let h: Harness;
  beforeAll(async () => {
    // ${clientid} in the mountpoint: no shared filter, one subscription per device to restore.
    h = await startHarness({ mountpoint: 'lwm2m/${clientid}/', translators: { command: { topic: 'command', qos: 1 } } }, undefined, {
      reconnect: { maxReconnectIntervalMs: 1000, offlineQueue: 2 },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('restores every device filter; publishes beyond the offline queue are counted as dropped', async () => {
    const session = h.gateway.upstreamSession;
    const devices = [];
    for (let i = 0; i < 3; i += 1) {
      const ep = uniqueEp('perdev');
      const dev = await h.device();
      await h.mqtt.watch(`lwm2m/${ep}/response`);
      expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
      expect((await h.mqtt.next(`lwm2m/${ep}/response`)).msgType).toBe('register');
      devices.push({ ep, dev });
    }
    const lost = session.stats.lost;
    const intruder = await h.upstream.connector.open({ clientId: session.clientId, cleanSession: false, keepAliveSeconds: 0 }, { onMessage: () => undefined });
    await until(() => session.stats.lost === lost + 1);
    await intruder.end();
    // Three register events while away: two are held, the third is refused and counted.
    const late = [];
    for (let i = 0; i < 3; i += 1) {
      const ep = uniqueEp('away');
      const dev = await h.device();
      expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
      late.push(ep);
    }
    expect(session.stats.droppedOffline).toBe(1);
    await until(() => session.stats.restored === 1);
    for (const { ep, dev } of devices) {
      await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: ep, msgType: 'read', data: { path: '/3/0/0' } });
      const req = await dev.expectRequest();
      dev.respond(req, { code: '2.05', format: 0, payload: 'v' });
      expect(await h.mqtt.next(`lwm2m/${ep}/response`)).toMatchObject({ reqID: ep, msgType: 'read' });
    }
  });
});
