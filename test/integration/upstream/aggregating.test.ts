import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { AggregatingConnector } from '../../../src/upstream/aggregating-connector.js';
import { createPooledConnector } from '../../../src/upstream/connection-pool.js';
import { mapClientOptions } from '../../../src/upstream/client-options.js';
import { createDirectConnector } from '../../../src/upstream/direct-path.js';
import { EmbeddedBroker } from '../../../src/upstream/embedded-broker.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import { testClientConfig, testUpstreamConfig } from '../../helpers/upstream.js';
import { delay, eventually, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startBroker(): Promise<{ broker: EmbeddedBroker; url: string }> {
  const broker = await EmbeddedBroker.start({ bind: '127.0.0.1:0', logger: silentLogger() });
  closers.push(() => broker.close());
  return { broker, url: `mqtt://127.0.0.1:${broker.address?.port ?? 0}` };
}

async function startDirect(options: { parkedQueueLimit?: number; parkedSessionExpiryMs?: number } = {}): Promise<AggregatingConnector> {
  const { broker } = await startBroker();
  const connector = createDirectConnector({ broker, logger: silentLogger(), closeBroker: false, ...options });
  closers.push(() => connector.close());
  return connector;
}

describe('direct connector (aggregating, embedded broker)', () => {
  it('holds one broker subscription per distinct filter, released with its last session', async () => {
    const connector = await startDirect();
    const sessions = await Promise.all([1, 2, 3].map(() => openWithInbox(connector, sessionOptions(uniqueId('s')))));
    for (const s of sessions) await s.session.subscribe([{ topic: 'shared/#', qos: 1 }]);
    await sessions[0]?.session.subscribe([{ topic: 'own/t', qos: 0 }]);
    expect(connector.filterCount).toBe(2);
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('shared/x', 'fan', 1));
    for (const s of sessions) expect((await s.inbox.waitFor(1))[0]?.payload.toString()).toBe('fan');
    await sessions[0]?.session.unsubscribe(['shared/#']);
    await sessions[1]?.session.end();
    expect(connector.filterCount).toBe(2);
    await sessions[2]?.session.end();
    await sessions[0]?.session.end();
    await eventually(() => connector.filterCount === 0, 1000, 'filters released');
    expect(connector.sessionCount).toBe(1);
  });

  it('delivers a message matching several filters of one session once, at its highest grant (MQTT 3.1.1 §3.3.5)', async () => {
    const connector = await startDirect();
    const a = await openWithInbox(connector, sessionOptions(uniqueId('overlap')));
    expect(
      await a.session.subscribe([
        { topic: 'ov/#', qos: 0 },
        { topic: 'ov/+', qos: 1 },
        { topic: 'ov/x', qos: 0 },
      ]),
    ).toEqual([0, 1, 0]);
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('ov/x', 'once', 2));
    const [got] = await a.inbox.waitFor(1);
    expect(got).toMatchObject({ topic: 'ov/x', qos: 1 });
    await delay(50);
    expect(a.inbox.messages).toHaveLength(1);
  });

  it('does not deliver $ topics to filters starting with a wildcard (MQTT 3.1.1 §4.7.2)', async () => {
    const connector = await startDirect();
    const all = await openWithInbox(connector, sessionOptions(uniqueId('all')));
    const dollar = await openWithInbox(connector, sessionOptions(uniqueId('dollar')));
    await all.session.subscribe([{ topic: '#', qos: 0 }]);
    await dollar.session.subscribe([{ topic: '$app/#', qos: 0 }]);
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('$app/x', 'dollar', 1));
    await pub.session.publish(message('plain/x', 'plain', 1));
    const [gotDollar] = await dollar.inbox.waitFor(1);
    expect(gotDollar?.topic).toBe('$app/x');
    await all.inbox.waitFor(1);
    await delay(50);
    expect(all.inbox.messages.map((m) => m.topic)).toEqual(['plain/x']);
  });

  it('bounds a parked session queue: the oldest QoS 1/2 message is dropped, QoS 0 is not queued', async () => {
    const connector = await startDirect({ parkedQueueLimit: 2 });
    const id = uniqueId('sleepy');
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    await first.session.subscribe([{ topic: 'q/t', qos: 1 }]);
    await first.session.end();
    expect(connector.parkedCount).toBe(1);
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    for (const text of ['m1', 'm2', 'q0', 'm3']) await pub.session.publish(message('q/t', text, text === 'q0' ? 0 : 1));
    expect(connector.droppedCount).toBe(1);
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(again.session.sessionPresent).toBe(true);
    expect((await again.inbox.waitFor(2)).map((m) => m.payload.toString())).toEqual(['m2', 'm3']);
    expect(connector.parkedCount).toBe(0);
  });

  it('discards a parked session after its expiry, and on discard()', async () => {
    const connector = await startDirect({ parkedSessionExpiryMs: 150 });
    const id = uniqueId('expiring');
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    await first.session.subscribe([{ topic: 'exp/t', qos: 1 }]);
    await first.session.end();
    await eventually(() => connector.parkedCount === 0, 2000, 'expiry');
    expect(connector.filterCount).toBe(0);
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(again.session.sessionPresent).toBe(false);
    await again.session.subscribe([{ topic: 'exp/t', qos: 1 }]);
    await again.session.end();
    expect(connector.parkedCount).toBe(1);
    connector.discard(id);
    expect(connector.parkedCount).toBe(0);
    const third = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(third.session.sessionPresent).toBe(false);
  });

  it('resolves a QoS 1 publish only once a persistent broker session queued it', async () => {
    const { broker, url } = await startBroker();
    const connector = createDirectConnector({ broker, logger: silentLogger(), closeBroker: false });
    closers.push(() => connector.close());
    // An MQTT client with a persistent broker session, offline while the gateway publishes.
    const watcherId = uniqueId('offline');
    const { connectAsync } = await import('mqtt');
    const first = await connectAsync(url, { clientId: watcherId, clean: false, reconnectPeriod: 0 });
    await first.subscribeAsync('offline/t', { qos: 1 });
    await first.endAsync();
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('offline/t', 'stored', 1));
    const back = await connectAsync(url, { clientId: watcherId, clean: false, reconnectPeriod: 0 });
    const got = await new Promise<string>((resolve) => back.on('message', (_t, payload) => resolve(payload.toString())));
    expect(got).toBe('stored');
    await back.endAsync();
  });
});

describe('aggregating connector (pool against an external broker)', () => {
  async function startPool(poolSize = 2): Promise<{ connector: AggregatingConnector; broker: EmbeddedBroker; url: string }> {
    const { broker, url } = await startBroker();
    const connector = await createPooledConnector({
      mapped: mapClientOptions(testClientConfig({ server: url })),
      logger: silentLogger(),
      poolSize,
    });
    closers.push(() => connector.close());
    return { connector, broker, url };
  }

  it('uses poolSize broker connections for any number of sessions', async () => {
    const { connector, broker } = await startPool(3);
    const sessions = await Promise.all(Array.from({ length: 20 }, () => openWithInbox(connector, sessionOptions(uniqueId('many')))));
    await Promise.all(sessions.map((s, i) => s.session.subscribe([{ topic: `many/${i % 4}`, qos: 1 }])));
    expect(broker.aedes.connectedClients).toBe(3);
    expect(connector.filterCount).toBe(4);
    await sessions[0]?.session.publish(message('many/1', 'to five', 1));
    for (let i = 1; i < 20; i += 4) expect((await sessions[i]?.inbox.waitFor(1))?.[0]?.payload.toString()).toBe('to five');
    await delay(50);
    expect(sessions.filter((s) => s.inbox.messages.length > 0)).toHaveLength(5);
  });

  it('subscribes its filters again after a pool connection was lost', async () => {
    const { connector, broker, url } = await startPool(1);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    await a.session.subscribe([{ topic: 'again/t', qos: 1 }]);
    // Drop the pool connection on the broker side (as a network failure would).
    const clients = (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients;
    for (const client of Object.values(clients)) client.conn.destroy();
    await delay(100);
    await eventually(() => broker.aedes.connectedClients === 1, 5000, 'pool reconnect');
    const watcher = await startWatcher(url, []);
    closers.push(() => watcher.client.endAsync());
    let received = 0;
    await eventually(
      () => {
        void watcher.client.publishAsync('again/t', 'after reconnect', { qos: 1 });
        received = a.inbox.messages.length;
        return received > 0;
      },
      5000,
      'message after resubscribe',
    );
    expect(a.inbox.messages[0]?.payload.toString()).toBe('after reconnect');
  });

  it('keeps a filter other sessions use when the broker refuses a repeated SUBSCRIBE (0x80), also after a reconnect', async () => {
    const { connector, broker, url } = await startPool(1);
    let refuseRepeats = false;
    const seen = new Set<string>();
    broker.aedes.authorizeSubscribe = (_client, sub, callback) => {
      const repeated = seen.has(sub.topic);
      seen.add(sub.topic);
      callback(null, refuseRepeats && repeated ? null : sub);
    };
    const a = await openWithInbox(connector, sessionOptions(uniqueId('holder')));
    expect(await a.session.subscribe([{ topic: 'refused/t', qos: 1 }])).toEqual([1]);
    refuseRepeats = true;
    const b = await openWithInbox(connector, sessionOptions(uniqueId('refused')));
    // The pool sends a repeated SUBSCRIBE (for the retained replay); the broker answers 0x80.
    expect(await b.session.subscribe([{ topic: 'refused/t', qos: 1 }])).toEqual([0x80]);
    expect(await a.session.subscribe([{ topic: 'refused/t', qos: 1 }])).toEqual([0x80]);
    const watcher = await startWatcher(url, []);
    closers.push(() => watcher.client.endAsync());
    await watcher.client.publishAsync('refused/t', 'still subscribed', { qos: 1 });
    expect((await a.inbox.waitFor(1))[0]?.payload.toString()).toBe('still subscribed');
    await delay(50);
    expect(b.inbox.messages).toHaveLength(0);
    // Lost pool connection: the reconnect (no session present) subscribes the kept filter again.
    refuseRepeats = false;
    seen.clear();
    const clients = (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients;
    for (const [id, client] of Object.entries(clients)) if (id.startsWith('gw-')) client.conn.destroy();
    await delay(100);
    await eventually(() => seen.has('refused/t'), 5000, 'filter subscribed again after the reconnect');
    await eventually(
      () => {
        void watcher.client.publishAsync('refused/t', 'after reconnect', { qos: 1 });
        return a.inbox.messages.some((m) => m.payload.toString() === 'after reconnect');
      },
      5000,
      'message after resubscribe',
    );
  });

  it('takes poolSize and the parked-session bounds from upstream.aggregating', async () => {
    const { broker, url } = await startBroker();
    const config = { ...testUpstreamConfig({ server: url }, '', 'aggregating'), aggregating: { poolSize: 2, sessionQueueSize: 1, sessionExpiry: 60_000 } };
    const connector = await createUpstreamConnector(config, silentLogger());
    closers.push(() => connector.close());
    expect(connector).toBeInstanceOf(AggregatingConnector);
    expect(broker.aedes.connectedClients).toBe(2);
    const id = uniqueId('bounded');
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    await first.session.subscribe([{ topic: 'bounded/t', qos: 1 }]);
    await first.session.end();
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('bounded/t', 'old', 1));
    await pub.session.publish(message('bounded/t', 'new', 1));
    await eventually(() => (connector as AggregatingConnector).droppedCount === 1, 2000, 'one dropped');
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect((await again.inbox.waitFor(1)).map((m) => m.payload.toString())).toEqual(['new']);
  });

  it('refuses to start when the broker cannot be reached', async () => {
    const { broker, url } = await startBroker();
    await broker.close();
    await expect(
      createPooledConnector({ mapped: mapClientOptions(testClientConfig({ server: url })), logger: silentLogger(), poolSize: 2 }),
    ).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM' });
  });
});
