import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamClientConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { MqttJsSession } from '../../../src/upstream/mqttjs-session.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';
import { startMosquitto } from './mosquitto-process.js';
import { missingTool } from './test-certificates.js';
import { delay, eventually, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

describe('external upstream against a real mosquitto', () => {
  let mosquitto: { process: ChildProcess; port: number } | undefined;
  const connectors: UpstreamConnector[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    if (mosquitto === undefined) missingTool('mosquitto');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    for (const connector of connectors.splice(0)) await connector.close();
  });

  afterAll(async () => {
    const child = mosquitto?.process;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  async function external(port: number, client: Partial<UpstreamClientConfig> = {}): Promise<UpstreamConnector> {
    const connector = await createUpstreamConnector(testUpstreamConfig({ server: `tcp://127.0.0.1:${port}`, ...client }), silentLogger());
    connectors.push(connector);
    return connector;
  }

  it('carries QoS 0, 1 and 2 between two sessions, and retained messages on subscribe', async (ctx) => {
    // Missing binary: skipped (visible) here, a failure in CI (see missingTool).
    if (mosquitto === undefined) return ctx.skip();
    const connector = await external(mosquitto.port);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    const prefix = uniqueId('mq');
    expect(await a.session.subscribe([{ topic: `${prefix}/+`, qos: 2 }])).toEqual([2]);
    await b.session.publish(message(`${prefix}/0`, 'zero', 0));
    await b.session.publish(message(`${prefix}/1`, 'one', 1));
    await b.session.publish(message(`${prefix}/2`, 'two', 2));
    const got = await a.inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
      [`${prefix}/0`, 'zero', 0],
      [`${prefix}/1`, 'one', 1],
      [`${prefix}/2`, 'two', 2],
    ]);

    await b.session.publish(message(`${prefix}/kept`, 'retained', 1, true));
    const c = await openWithInbox(connector, sessionOptions(uniqueId('c')));
    await c.session.subscribe([{ topic: `${prefix}/kept`, qos: 1 }]);
    const [kept] = await c.inbox.waitFor(1);
    expect(kept).toMatchObject({ retain: true });
    await b.session.publish(message(`${prefix}/kept`, '', 1, true)); // clear it
  });

  it('publishes the will after a dropped connection, not after end()', async (ctx) => {
    // Missing binary: skipped (visible) here, a failure in CI (see missingTool).
    if (mosquitto === undefined) return ctx.skip();
    const prefix = uniqueId('will');
    const watcher = await startWatcher(`mqtt://127.0.0.1:${mosquitto.port}`, [`${prefix}/+`]);
    cleanups.push(() => watcher.client.endAsync());
    const connector = await external(mosquitto.port);
    const clean = await openWithInbox(connector, sessionOptions(uniqueId('d'), { will: message(`${prefix}/clean`, 'no', 1) }));
    const crash = await openWithInbox(connector, sessionOptions(uniqueId('c'), { will: message(`${prefix}/crash`, 'gone', 1) }));
    await clean.session.end();
    if (!(crash.session instanceof MqttJsSession)) throw new Error('expected MqttJsSession');
    crash.session.abort();
    await watcher.waitFor(1);
    await delay(100);
    expect(watcher.received.map((r) => [r.topic, r.payload])).toEqual([[`${prefix}/crash`, 'gone']]);
  });

  it('MQTT 5: carries messages, and a session taken over is closed for good (reason 0x8E)', async (ctx) => {
    // Missing binary: skipped (visible) here, a failure in CI (see missingTool).
    if (mosquitto === undefined) return ctx.skip();
    const connector = await external(mosquitto.port, { protocolVersion: 5 });
    const id = uniqueId('v5');
    const first = await openWithInbox(connector, sessionOptions(id));
    const topic = `${uniqueId('v5t')}/t`;
    await first.session.subscribe([{ topic, qos: 1 }]);
    await first.session.publish(message(topic, 'five', 1));
    const [got] = await first.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('five');

    const second = await openWithInbox(connector, sessionOptions(id));
    await eventually(() => first.inbox.closes.length === 1, 3000, 'takeover onClose');
    expect(first.inbox.closes[0]?.message).toMatch(/taken over/);
    await delay(1500); // past the first reconnect delay: the old session must not come back and kick the new one
    expect(second.inbox.closes).toEqual([]);
    await second.session.publish(message(topic, 'still here', 1));
  });

  it('keeps a clean=false session and its queued QoS 1 messages across end() and reopen', async (ctx) => {
    // Missing binary: skipped (visible) here, a failure in CI (see missingTool).
    if (mosquitto === undefined) return ctx.skip();
    const connector = await external(mosquitto.port);
    const id = uniqueId('persist');
    const topic = `${uniqueId('pq')}/t`;
    const first = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    await first.session.subscribe([{ topic, qos: 1 }]);
    await first.session.end();
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    await b.session.publish(message(topic, 'queued', 1));
    const again = await openWithInbox(connector, sessionOptions(id, { cleanSession: false }));
    expect(again.session.sessionPresent).toBe(true);
    const [got] = await again.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('queued');
    // Leave no persistent session behind on the broker.
    await again.session.end();
    const wipe = await openWithInbox(connector, sessionOptions(id, { cleanSession: true }));
    await wipe.session.end();
  });
});
