import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import { TransparentConnector } from '../../../src/upstream/transparent-connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { MqttJsSession } from '../../../src/upstream/mqttjs-session.js';
import { startTestUpstream, testUpstreamConfig, type TestUpstream } from '../../helpers/upstream.js';
import { delay, eventually, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

describe('embedded upstream (aedes in-process, duplex pair)', () => {
  let connector: TransparentConnector;
  let url: string;
  const watchers: { client: { endAsync(): Promise<void> } }[] = [];

  beforeEach(async () => {
    const created: UpstreamConnector = await createUpstreamConnector(testUpstreamConfig(), silentLogger());
    if (!(created instanceof TransparentConnector)) throw new Error('expected a TransparentConnector');
    connector = created;
    const address = connector.embeddedAddress;
    if (address === undefined) throw new Error('no TCP listener');
    url = `mqtt://127.0.0.1:${address.port}`;
  });

  afterEach(async () => {
    for (const w of watchers.splice(0)) await w.client.endAsync();
    await connector.close();
  });

  it('describes itself as embedded and binds its TCP listener on the requested port 0', () => {
    expect(connector.description).toBe('embedded');
    expect(connector.embeddedAddress?.host).toBe('127.0.0.1');
    expect(connector.embeddedAddress?.port).toBeGreaterThan(0);
  });

  it('carries QoS 0, 1 and 2 between two sessions', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    expect(a.session.sessionPresent).toBe(false);
    expect(await a.session.subscribe([{ topic: 'emb/+/x', qos: 2 }])).toEqual([2]);
    await b.session.publish(message('emb/0/x', 'zero', 0));
    await b.session.publish(message('emb/1/x', 'one', 1));
    await b.session.publish(message('emb/2/x', 'two', 2));
    const got = await a.inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload.toString(), m.qos, m.retain])).toEqual([
      ['emb/0/x', 'zero', 0, false],
      ['emb/1/x', 'one', 1, false],
      ['emb/2/x', 'two', 2, false],
    ]);
  });

  it('grants per filter and answers 0x80 for an invalid filter', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const result = await a.session.subscribe([
      { topic: 'ok/1', qos: 1 },
      { topic: 'bad/#/x', qos: 1 },
      { topic: 'ok/0', qos: 0 },
      { topic: '', qos: 0 },
    ]);
    expect(result).toEqual([1, 0x80, 0, 0x80]);
  });

  it('delivers to an MQTT client on the TCP listener and from it', async () => {
    const watcher = await startWatcher(url, ['tcp/out']);
    watchers.push(watcher);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    await a.session.subscribe([{ topic: 'tcp/in', qos: 1 }]);
    await a.session.publish(message('tcp/out', 'to-watcher', 1));
    await watcher.waitFor(1);
    expect(watcher.received[0]).toMatchObject({ topic: 'tcp/out', payload: 'to-watcher' });
    await watcher.client.publishAsync('tcp/in', 'from-watcher', { qos: 1 });
    const [got] = await a.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('from-watcher');
  });

  it('sends a retained message on subscribe, and again on a repeated subscribe', async () => {
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await b.session.publish(message('ret/t', 'kept', 1, true));
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    expect(await a.session.subscribe([{ topic: 'ret/#', qos: 1 }])).toEqual([1]);
    const [first] = await a.inbox.waitFor(1);
    expect(first).toMatchObject({ topic: 'ret/t', retain: true, qos: 1 });
    expect(first?.payload.toString()).toBe('kept');
    // MQTT 3.1.1 §3.8.4: a repeated SUBSCRIBE re-sends retained messages; it must reach the broker.
    expect(await a.session.subscribe([{ topic: 'ret/#', qos: 1 }])).toEqual([1]);
    await a.inbox.waitFor(2);
    expect(a.inbox.messages[1]?.retain).toBe(true);
  });

  it('stops delivering after unsubscribe', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await a.session.subscribe([
      { topic: 'uns/a', qos: 1 },
      { topic: 'uns/b', qos: 1 },
    ]);
    await a.session.unsubscribe(['uns/a']);
    await b.session.publish(message('uns/a', 'gone', 1));
    await b.session.publish(message('uns/b', 'here', 1));
    const [got] = await a.inbox.waitFor(1);
    expect(got?.topic).toBe('uns/b');
    await delay(50);
    expect(a.inbox.messages).toHaveLength(1);
  });

  it('publishes the CONNECT will when the session connection drops without DISCONNECT (gateway crash)', async () => {
    const watcher = await startWatcher(url, ['will/crash']);
    watchers.push(watcher);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('crash'), { will: message('will/crash', 'device gone', 1, false) }));
    if (!(a.session instanceof MqttJsSession)) throw new Error('expected MqttJsSession');
    a.session.abort();
    await watcher.waitFor(1);
    expect(watcher.received[0]).toMatchObject({ topic: 'will/crash', payload: 'device gone' });
    await expect(a.session.publish(message('x', 'y'))).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
  });

  it('end() disconnects cleanly: the broker discards the will', async () => {
    const watcher = await startWatcher(url, ['will/clean', 'marker']);
    watchers.push(watcher);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('clean'), { will: message('will/clean', 'should not appear', 1, false) }));
    await a.session.end();
    await a.session.end(); // idempotent
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await delay(100);
    await b.session.publish(message('marker', 'after', 1));
    await watcher.waitFor(1);
    expect(watcher.received.map((r) => r.topic)).toEqual(['marker']);
    expect(a.inbox.closes).toEqual([]);
  });

  it('keeps queued QoS 1 messages of a clean=false session across end() and reopen', async () => {
    const id = uniqueId('persistent');
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    await first.session.subscribe([{ topic: 'queued/t', qos: 1 }]);
    await first.session.end();
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await b.session.publish(message('queued/t', 'while away', 1));
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(again.session.sessionPresent).toBe(true);
    const [got] = await again.inbox.waitFor(1);
    expect(got).toMatchObject({ topic: 'queued/t', qos: 1 });
    expect(got?.payload.toString()).toBe('while away');
  });

  it('tells the owner when another connection takes the session over', async () => {
    const id = uniqueId('twin');
    const first = await openWithInbox(connector, sessionOptions(id));
    const second = await openWithInbox(connector, sessionOptions(id));
    await eventually(() => first.inbox.closes.length === 1, 3000, 'onClose');
    expect(first.inbox.closes[0]).toMatchObject({ code: 'GW_ERR_UPSTREAM' });
    await expect(first.session.publish(message('t', 'x', 1))).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
    await second.session.publish(message('t', 'x', 1));
    expect(second.inbox.closes).toEqual([]);
  });

  it('close() ends every session (owners hear GW_ERR_CLOSED) and refuses new ones', async () => {
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    expect(connector.sessionCount).toBe(1);
    await connector.close();
    expect(a.inbox.closes).toHaveLength(1);
    expect(a.inbox.closes[0]).toMatchObject({ code: 'GW_ERR_CLOSED' });
    expect(connector.sessionCount).toBe(0);
    await expect(connector.open(sessionOptions('late'), a.inbox.events)).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
  });
});

describe('startTestUpstream()', () => {
  let upstream: TestUpstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });

  it('gives a connector and a URL on which an MQTT.js watcher sees the sessions’ messages', async () => {
    upstream = await startTestUpstream();
    expect(upstream.url).toMatch(/^mqtts?:\/\/|^wss?:\/\//);
    const watcher = await startWatcher(upstream.url, ['helper/t']);
    try {
      const a = await openWithInbox(upstream.connector, sessionOptions(uniqueId('helper')));
      await a.session.publish(message('helper/t', 'seen', 1));
      await watcher.waitFor(1);
      expect(watcher.received[0]?.payload).toBe('seen');
      await a.session.end();
    } finally {
      await watcher.client.endAsync();
    }
  });
});
