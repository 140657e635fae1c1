import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamMode } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { AggregatingConnector } from '../../../src/upstream/aggregating-connector.js';
import { createUpstreamConnector, effectiveUpstreamMode, EmbeddedBroker } from '../../../src/upstream/connector.js';
import { TransparentConnector } from '../../../src/upstream/transparent-connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';
import { delay, eventually, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

interface Kind {
  readonly name: string;
  readonly mode: UpstreamMode;
  readonly external: boolean;
  readonly expected: (connector: UpstreamConnector) => boolean;
}

/** Every connector kind behind the one UpstreamConnector contract. */
const KINDS: readonly Kind[] = [
  { name: 'transparent, embedded (duplex pair)', mode: 'transparent', external: false, expected: (c) => c instanceof TransparentConnector },
  { name: 'transparent, external (client per session)', mode: 'transparent', external: true, expected: (c) => c instanceof TransparentConnector },
  { name: 'aggregating, embedded (direct)', mode: 'aggregating', external: false, expected: (c) => c instanceof AggregatingConnector && c.path === 'direct' },
  { name: 'aggregating, external (pool)', mode: 'aggregating', external: true, expected: (c) => c instanceof AggregatingConnector && c.path === 'pool' },
  // The default: the direct path for the embedded broker, a session per device for an external one.
  { name: 'auto, embedded (direct)', mode: 'auto', external: false, expected: (c) => c instanceof AggregatingConnector && c.path === 'direct' },
  { name: 'auto, external (client per session)', mode: 'auto', external: true, expected: (c) => c instanceof TransparentConnector },
];

describe.each(KINDS)('upstream connector contract: $name', (kind) => {
  let connector: UpstreamConnector;
  let broker: EmbeddedBroker | undefined;
  let url: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    if (kind.external) {
      // The embedded broker's TCP listener plays the external broker.
      broker = await EmbeddedBroker.start({ bind: '127.0.0.1:0', logger: silentLogger() });
      const port = broker.address?.port ?? 0;
      url = `mqtt://127.0.0.1:${port}`;
      connector = await createUpstreamConnector(testUpstreamConfig({ server: url }, '', kind.mode), silentLogger());
    } else {
      connector = await createUpstreamConnector(testUpstreamConfig({}, '127.0.0.1:0', kind.mode), silentLogger());
      const address = connector.embeddedAddress;
      url = `mqtt://127.0.0.1:${address?.port ?? 0}`;
    }
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await connector.close();
    await broker?.close();
    broker = undefined;
  });

  async function watcher(topics: string[]): ReturnType<typeof startWatcher> {
    const w = await startWatcher(url, topics);
    cleanups.push(() => w.client.endAsync());
    return w;
  }

  it('is the connector kind the mode selects', () => {
    expect(kind.expected(connector)).toBe(true);
  });

  it('carries QoS 0, 1 and 2 between sessions and to and from MQTT clients', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    expect(a.session.sessionPresent).toBe(false);
    expect(
      await a.session.subscribe([
        { topic: 'ct/+/x', qos: 2 },
        { topic: 'ct/in', qos: 1 },
      ]),
    ).toEqual([2, 1]);
    const w = await watcher(['ct/#']);
    await b.session.publish(message('ct/0/x', 'zero', 0));
    await b.session.publish(message('ct/1/x', 'one', 1));
    await b.session.publish(message('ct/2/x', 'two', 2));
    const got = await a.inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload.toString(), m.qos, m.retain])).toEqual([
      ['ct/0/x', 'zero', 0, false],
      ['ct/1/x', 'one', 1, false],
      ['ct/2/x', 'two', 2, false],
    ]);
    await w.waitFor(3);
    expect(w.received.map((r) => r.payload)).toEqual(['zero', 'one', 'two']);
    await w.client.publishAsync('ct/in', 'from-mqtt', { qos: 1 });
    await a.inbox.waitFor(4);
    expect(a.inbox.messages[3]).toMatchObject({ topic: 'ct/in', qos: 1 });
    expect(a.inbox.messages[3]?.payload.toString()).toBe('from-mqtt');
  });

  it('delivers at min(message QoS, granted QoS) per session, and refuses invalid filters with 0x80', async () => {
    const low = await openWithInbox(connector, sessionOptions(uniqueId('low')));
    const high = await openWithInbox(connector, sessionOptions(uniqueId('high')));
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    expect(
      await low.session.subscribe([
        { topic: 'grant/t', qos: 0 },
        { topic: 'bad/#/x', qos: 1 },
      ]),
    ).toEqual([0, 0x80]);
    expect(await high.session.subscribe([{ topic: 'grant/t', qos: 2 }])).toEqual([2]);
    await pub.session.publish(message('grant/t', 'q2', 2));
    const [toLow] = await low.inbox.waitFor(1);
    const [toHigh] = await high.inbox.waitFor(1);
    expect(toLow?.qos).toBe(0);
    expect(toHigh?.qos).toBe(2);
  });

  it('sends retained messages on subscribe to the new subscriber only', async () => {
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('kept/t', 'retained', 1, true));
    const first = await openWithInbox(connector, sessionOptions(uniqueId('first')));
    expect(await first.session.subscribe([{ topic: 'kept/#', qos: 1 }])).toEqual([1]);
    const [replay] = await first.inbox.waitFor(1);
    expect(replay).toMatchObject({ topic: 'kept/t', qos: 1, retain: true });
    expect(replay?.payload.toString()).toBe('retained');
    // A second session on the same filter gets the retained message; the first does not get it again.
    const second = await openWithInbox(connector, sessionOptions(uniqueId('second')));
    expect(await second.session.subscribe([{ topic: 'kept/#', qos: 0 }])).toEqual([0]);
    const [again] = await second.inbox.waitFor(1);
    expect(again).toMatchObject({ topic: 'kept/t', retain: true });
    // MQTT 3.1.1 §3.8.4: at min(message QoS, granted QoS). aedes 1.2 replays retained messages to its
    // own clients at the stored QoS, so only the gateway's own fan-out is held to it here.
    if (effectiveUpstreamMode({ mode: kind.mode, client: { server: kind.external ? url : '' } }) === 'aggregating') {
      expect(again?.qos).toBe(0);
    }
    // A live publish with RETAIN reaches established subscriptions with RETAIN 0 (MQTT 3.1.1 §3.3.1.3).
    await pub.session.publish(message('kept/t', 'live', 1, true));
    const [, live] = await first.inbox.waitFor(2);
    expect(live).toMatchObject({ topic: 'kept/t', retain: false });
    await second.inbox.waitFor(2);
    await delay(50);
    expect(first.inbox.messages).toHaveLength(2);
    expect(second.inbox.messages).toHaveLength(2);
    await pub.session.publish(message('kept/t', '', 1, true)); // clear the retained message
  });

  it('stops delivering after unsubscribe, while other sessions on the filter still receive', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await a.session.subscribe([
      { topic: 'uns/t', qos: 1 },
      { topic: 'uns/other', qos: 1 },
    ]);
    await b.session.subscribe([{ topic: 'uns/t', qos: 1 }]);
    await a.session.unsubscribe(['uns/t']);
    await pub.session.publish(message('uns/t', 'only-b', 1));
    await pub.session.publish(message('uns/other', 'a-still', 1));
    const [gotA] = await a.inbox.waitFor(1);
    const [gotB] = await b.inbox.waitFor(1);
    expect(gotA?.topic).toBe('uns/other');
    expect(gotB?.payload.toString()).toBe('only-b');
    await delay(50);
    expect(a.inbox.messages).toHaveLength(1);
  });

  it('keeps a clean=false session across end() and reopen: subscriptions, queued QoS 1/2, sessionPresent', async () => {
    const id = uniqueId('persistent');
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(await first.session.subscribe([{ topic: 'park/t', qos: 2 }])).toEqual([2]);
    await first.session.end();
    const pub = await openWithInbox(connector, sessionOptions(uniqueId('pub')));
    await pub.session.publish(message('park/t', 'q1 while away', 1));
    await pub.session.publish(message('park/t', 'q2 while away', 2));
    await delay(50);
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(again.session.sessionPresent).toBe(true);
    const got = await again.inbox.waitFor(2);
    // aedes 1.2's offline queue (transparent, embedded) may replay QoS 2 before QoS 1: compare as a set.
    expect(got.map((m) => [m.payload.toString(), m.qos]).sort()).toEqual([
      ['q1 while away', 1],
      ['q2 while away', 2],
    ]);
    // Still subscribed without a new SUBSCRIBE.
    await pub.session.publish(message('park/t', 'live', 1));
    await again.inbox.waitFor(3);
    // A clean open discards the state.
    await again.session.end();
    const clean = await openWithInbox(connector, sessionOptions(id, { cleanSession: true }));
    expect(clean.session.sessionPresent).toBe(false);
    await pub.session.publish(message('park/t', 'nobody', 1));
    await delay(100);
    expect(clean.inbox.messages).toEqual([]);
  });

  it('lets a second open() with the same client id take over: the older session hears onClose', async () => {
    const id = uniqueId('twin');
    const first = await openWithInbox(connector, sessionOptions(id));
    const second = await openWithInbox(connector, sessionOptions(id));
    await eventually(() => first.inbox.closes.length === 1, 3000, 'onClose');
    expect(first.inbox.closes[0]).toMatchObject({ code: 'GW_ERR_UPSTREAM' });
    await expect(first.session.publish(message('twin/t', 'x', 1))).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
    await second.session.subscribe([{ topic: 'twin/t', qos: 1 }]);
    await second.session.publish(message('twin/t', 'mine', 1));
    const [got] = await second.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('mine');
    expect(second.inbox.closes).toEqual([]);
  });

  it('end() is idempotent and a clean end publishes no will', async () => {
    const w = await watcher(['will/ct', 'marker/ct']);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('will'), { will: message('will/ct', 'stale', 1) }));
    await a.session.end();
    await a.session.end();
    await expect(a.session.subscribe([{ topic: 'x', qos: 0 }])).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await delay(50);
    await b.session.publish(message('marker/ct', 'after', 1));
    await w.waitFor(1);
    expect(w.received.map((r) => r.topic)).toEqual(['marker/ct']);
    expect(a.inbox.closes).toEqual([]);
  });

  it('close() ends every session (owners hear GW_ERR_CLOSED) and refuses new ones', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    await connector.close();
    await connector.close();
    expect(a.inbox.closes).toHaveLength(1);
    expect(a.inbox.closes[0]).toMatchObject({ code: 'GW_ERR_CLOSED' });
    await expect(connector.open(sessionOptions(uniqueId('late')), a.inbox.events)).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
  });
});
