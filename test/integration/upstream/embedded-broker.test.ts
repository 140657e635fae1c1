import { connectAsync } from 'mqtt';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { EmbeddedBroker } from '../../../src/upstream/embedded-broker.js';

describe('EmbeddedBroker', () => {
  const brokers: EmbeddedBroker[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.close();
  });

  async function start(bind: string): Promise<EmbeddedBroker> {
    const broker = await EmbeddedBroker.start({ bind, logger: silentLogger() });
    brokers.push(broker);
    return broker;
  }

  it('without a bind has no TCP listener but still takes in-process connections', async () => {
    const broker = await start('');
    expect(broker.address).toBeUndefined();
    const stream = broker.connect();
    // MQTT 3.1.1 §3.1: a minimal CONNECT (client id "x", clean session, keepalive 0) -> CONNACK 0x20 0x02 0x00 0x00.
    const connect = Buffer.from([0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 0x78]);
    stream.write(connect);
    const connack = await new Promise<Buffer>((resolve) => {
      let received = Buffer.alloc(0);
      stream.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4) resolve(received);
      });
    });
    expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x00]);
    stream.destroy();
  });

  it('binds port 0 to a real port that MQTT clients can use, and disconnects them on close', async () => {
    const broker = await start('127.0.0.1:0');
    const address = broker.address;
    expect(address?.host).toBe('127.0.0.1');
    expect(address?.port).toBeGreaterThan(0);
    const client = await connectAsync(`mqtt://127.0.0.1:${address?.port}`, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await broker.close();
    await closed;
    await broker.close(); // idempotent
    expect(client.connected).toBe(false);
  });

  it('rejects a malformed bind with GW_ERR_CONFIG', async () => {
    await expect(EmbeddedBroker.start({ bind: 'not a bind', logger: silentLogger() })).rejects.toMatchObject({
      code: 'GW_ERR_CONFIG',
    });
  });

  it('rejects a port already in use with GW_ERR_UPSTREAM', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(EmbeddedBroker.start({ bind: `127.0.0.1:${port}`, logger: silentLogger() })).rejects.toMatchObject({
        code: 'GW_ERR_UPSTREAM',
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('hands a burst of publishes to delivery at once instead of queueing them behind the first 100, and delivers all in order', async () => {
    const broker = await start('127.0.0.1:0');
    const address = broker.address;
    if (address === undefined) throw new Error('no address');
    const subscriber = await connectAsync(`mqtt://127.0.0.1:${address.port}`, { reconnectPeriod: 0 });
    try {
      await subscriber.subscribeAsync('burst/#', { qos: 0 });
      const received: string[] = [];
      subscriber.on('message', (_topic, payload) => received.push(payload.toString()));
      const count = 2000;
      const published = Array.from({ length: count }, (_, i) =>
        broker.publish({ topic: `burst/${i % 7}`, payload: Buffer.from(String(i)), qos: 0, retain: false }),
      );
      // The emitter's waiting queue (aedes' mqemitter) stays empty: nothing waits in an array drained with shift().
      const emitter = (broker.aedes as unknown as { mq: { length: number } }).mq;
      expect(emitter.length).toBe(0);
      await Promise.all(published);
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(count);
      expect(received).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    } finally {
      await subscriber.endAsync(true);
    }
  });
});
