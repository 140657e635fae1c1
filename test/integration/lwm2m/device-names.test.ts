import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, uniqueEp, type Harness } from './harness.js';

/** A Register for endpoint `x+y` (lt=120, lwm2m=1.1, b=U, links </1/0>,</3/0>). */
const WILDCARD_REGISTER = Buffer.from('4402123401020304b2726411283665703d782b79066c743d313230096c776d326d3d312e3103623d55ff3c2f312f303e2c3c2f332f303e', 'hex');

describe('LwM2M device-supplied names that would become topic levels', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ coap: { ack_timeout: '200ms', max_retransmit: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** A well-behaved device still gets a command and its answer still reaches MQTT. */
  async function commandsStillFlow(): Promise<void> {
    const ep = uniqueEp('good');
    const resp = `lwm2m/${ep}/response`;
    await h.mqtt.watch(resp);
    const dev = await h.device();
    expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
    expect((await h.mqtt.next(resp)).msgType).toBe('register');
    await h.mqtt.send(`lwm2m/${ep}/command`, { reqID: 1, msgType: 'read', data: { path: '/3/0/0' } });
    const req = await dev.expectRequest();
    dev.respond(req, { code: '2.05', format: 0, payload: 'ok' });
    expect(((await h.mqtt.next(resp)).data as Record<string, unknown>).code).toBe('2.05');
  }

  it('the wildcard Register datagram is answered 4.00 without payload, and the bridge keeps working', async () => {
    const dev = await h.device();
    const answer = new Promise<Buffer>((resolve) => dev.onRawMessage(resolve));
    dev.sendRaw(WILDCARD_REGISTER);
    const raw = await answer;
    // ACK 4.00, the request's MID and token, nothing else (RFC 7252 §5.9.2; no diagnostic payload).
    expect(raw.toString('hex')).toBe('6480123401020304');
    await commandsStillFlow();
  });

  it.each([['x+y'], ['x#'], ['+'], ['#'], ['a\u0000b'], ['a\u0007b'], ['$SYS'], ['a/b']])('endpoint name %j is refused with 4.00', async (ep) => {
    const dev = await h.device();
    const answer = await dev.register(ep);
    expect(answer.code).toBe('4.00');
    expect(answer.payload.length).toBe(0);
    expect(h.gateway.store.get(ep)).toBeUndefined();
  });

  it('the last of duplicated ep= parameters is the one checked', async () => {
    const dev = await h.device();
    const ep = uniqueEp('dup');
    const answer = await dev.request('0.02', ['rd'], [`ep=${ep}`, 'lwm2m=1.0', 'ep=x#'], '</1/0>');
    expect(answer.code).toBe('4.00');
    expect(h.gateway.store.get(ep)).toBeUndefined();
    expect(h.gateway.store.get('x#')).toBeUndefined();
  });

  it('an endpoint name that is not UTF-8 is refused', async () => {
    const dev = await h.device();
    const options = [
      { number: 11, value: Buffer.from('rd') },
      { number: 15, value: Buffer.concat([Buffer.from('ep=ab'), Buffer.from([0xc3, 0x28])]) },
      { number: 15, value: Buffer.from('lwm2m=1.0') },
    ];
    const answer = new Promise<Buffer>((resolve) => dev.onRawMessage(resolve));
    dev.send({ type: 'CON', code: '0.02', messageId: 77, token: Buffer.from([9]), options });
    const raw = await answer;
    expect(raw.toString('hex')).toBe('6180004d09');
  });

  it('a device_id that would become a topic level through ${clientid} is refused', async () => {
    const g = await startHarness({ mountpoint: 'lwm2m/${clientid}/' });
    try {
      const dev = await g.device();
      const answer = await dev.register(uniqueEp('cid'), { extra: ['device_id=a/b'] });
      expect(answer.code).toBe('4.00');
      expect(answer.payload.length).toBe(0);
      const ok = await dev.register(uniqueEp('cid'), { extra: ['device_id=fine'] });
      expect(ok.code).toBe('2.01');
    } finally {
      await g.close();
    }
  });

  it('defence in depth: a publish to an invalid topic is refused and counted, and the session stays up', async () => {
    // Translators given directly skip config validation: a wildcard in the register topic.
    const base = h.config.translators;
    const g = await startHarness({}, { ...base, register: { topic: 'events/+', qos: 0 } });
    try {
      const dev = await g.device();
      const ep = uniqueEp('guard');
      expect((await dev.register(ep, { lt: 300 })).code).toBe('2.01');
      const deadline = Date.now() + 3000;
      while (g.gateway.bridge.stats.invalidTopics === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(g.gateway.bridge.stats.invalidTopics).toBe(1);
      expect(g.gateway.upstreamSession.stats.lost).toBe(0);
      // Commands still flow for that device (its response topic is valid).
      await g.mqtt.watch(`lwm2m/${ep}/response`);
      await g.mqtt.send(`lwm2m/${ep}/command`, { reqID: 1, msgType: 'read', data: { path: '/3/0/0' } });
      const req = await dev.expectRequest();
      dev.respond(req, { code: '2.05', format: 0, payload: 'ok' });
      expect((await g.mqtt.next(`lwm2m/${ep}/response`)).msgType).toBe('read');
    } finally {
      await g.close();
    }
  });
});
