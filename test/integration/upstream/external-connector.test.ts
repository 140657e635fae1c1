import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamClientConfig } from '../../../src/config/types.js';
import { GatewayError } from '../../../src/errors.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import { EmbeddedBroker } from '../../../src/upstream/embedded-broker.js';
import { storeDirectoryFor } from '../../../src/upstream/file-store.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { MqttJsSession } from '../../../src/upstream/mqttjs-session.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';
import { delay, eventually, freePort, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

/** The embedded broker's own TCP listener stands in for an external broker. */
describe('external upstream over TCP (aedes listener as the external broker)', () => {
  let port: number;
  let broker: EmbeddedBroker | undefined;
  const connectors: UpstreamConnector[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  async function startBroker(): Promise<EmbeddedBroker> {
    broker = await EmbeddedBroker.start({ bind: `127.0.0.1:${port}`, logger: silentLogger() });
    return broker;
  }

  async function stopBroker(): Promise<void> {
    await broker?.close();
    broker = undefined;
  }

  async function external(client: Partial<UpstreamClientConfig> = {}): Promise<UpstreamConnector> {
    const connector = await createUpstreamConnector(
      testUpstreamConfig({ server: `tcp://127.0.0.1:${port}`, maxReconnectInterval: 1000, ...client }),
      silentLogger(),
    );
    connectors.push(connector);
    return connector;
  }

  const url = (): string => `mqtt://127.0.0.1:${port}`;

  beforeEach(async () => {
    port = await freePort();
    await startBroker();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    for (const connector of connectors.splice(0)) await connector.close();
    await stopBroker();
  });

  function watch(topics: string[]): ReturnType<typeof startWatcher> {
    return startWatcher(url(), topics).then((w) => {
      cleanups.push(() => w.client.endAsync());
      return w;
    });
  }

  it('describes itself by the normalised server URL', async () => {
    const connector = await external({ server: `tcp://127.0.0.1:${port}` });
    expect(connector.description).toBe(`mqtt://127.0.0.1:${port}`);
  });

  it('carries QoS 0, 1 and 2 between two sessions', async () => {
    const connector = await external();
    const a = await openWithInbox(connector, sessionOptions(uniqueId('a')));
    const b = await openWithInbox(connector, sessionOptions(uniqueId('b')));
    expect(await a.session.subscribe([{ topic: 'ext/#', qos: 2 }])).toEqual([2]);
    await b.session.publish(message('ext/0', 'zero', 0));
    await b.session.publish(message('ext/1', 'one', 1));
    await b.session.publish(message('ext/2', 'two', 2));
    const got = await a.inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.qos])).toEqual([
      ['ext/0', 0],
      ['ext/1', 1],
      ['ext/2', 2],
    ]);
  });

  it('answers 0x80 for a filter the broker refuses and grants the others', async () => {
    if (broker === undefined) throw new Error('no broker');
    broker.aedes.authorizeSubscribe = (_client, subscription, callback) => {
      if (subscription.topic.startsWith('denied/'))
        callback(null, null); // aedes: null = refuse (SUBACK 0x80)
      else callback(null, subscription);
    };
    const connector = await external();
    const a = await openWithInbox(connector, sessionOptions(uniqueId('acl')));
    expect(
      await a.session.subscribe([
        { topic: 'allowed/t', qos: 1 },
        { topic: 'denied/t', qos: 1 },
      ]),
    ).toEqual([1, 0x80]);
    await a.session.publish(message('allowed/t', 'ok', 1));
    const [got] = await a.inbox.waitFor(1);
    expect(got?.topic).toBe('allowed/t');
  });

  it('speaks MQTT 3.1 (MQIsdp) when protocolVersion is 3', async () => {
    let seenVersion: number | undefined;
    broker?.aedes.on('client', (client) => {
      seenVersion = (client as unknown as { version?: number }).version;
    });
    const connector = await external({ protocolVersion: 3 });
    const a = await openWithInbox(connector, sessionOptions('v31-a'));
    await a.session.subscribe([{ topic: 'v31/t', qos: 1 }]);
    await a.session.publish(message('v31/t', 'old protocol', 1));
    const [got] = await a.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('old protocol');
    expect(seenVersion).toBe(3);
  });

  it('publishes the will when the connection drops, not after end()', async () => {
    const watcher = await watch(['ext/will/+']);
    const connector = await external();
    const crash = await openWithInbox(connector, sessionOptions(uniqueId('c'), { will: message('ext/will/crash', 'gone', 1) }));
    const clean = await openWithInbox(connector, sessionOptions(uniqueId('d'), { will: message('ext/will/clean', 'no', 1) }));
    await clean.session.end();
    if (!(crash.session instanceof MqttJsSession)) throw new Error('expected MqttJsSession');
    crash.session.abort();
    await watcher.waitFor(1);
    await delay(100);
    expect(watcher.received.map((r) => r.topic)).toEqual(['ext/will/crash']);
  });

  it('sends basicAuth unless the session brings its own credentials', async () => {
    const seen: (string | undefined)[] = [];
    if (broker === undefined) throw new Error('no broker');
    broker.aedes.authenticate = (_client, username, password, done) => {
      seen.push(`${username}:${password?.toString()}`);
      done(null, true);
    };
    const connector = await external({ basicAuth: { username: 'gw', password: 'gwpass' } });
    await connector.open(sessionOptions(uniqueId('x')), { onMessage: () => undefined });
    await connector.open(sessionOptions(uniqueId('y'), { username: 'dev', password: Buffer.from('devpass') }), {
      onMessage: () => undefined,
    });
    // The first CONNECT is the startup check that the broker is up (same credentials as the gateway's own).
    expect(seen).toEqual(['gw:gwpass', 'gw:gwpass', 'dev:devpass']);
  });

  it('rejects open() with GW_ERR_UPSTREAM and the CONNACK return code when the broker refuses', async () => {
    if (broker === undefined) throw new Error('no broker');
    broker.aedes.authenticate = (_client, _username, _password, done) => {
      const error = Object.assign(new Error('bad credentials'), { returnCode: 4 as const });
      done(error, null);
    };
    const connector = await external();
    const opening = connector.open(sessionOptions(uniqueId('refused')), { onMessage: () => undefined });
    await expect(opening).rejects.toBeInstanceOf(GatewayError);
    await expect(opening).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM', details: { returnCode: 4 } });
  });

  it('rejects open() with GW_ERR_UPSTREAM when the broker is unreachable', async () => {
    const connector = await external();
    await stopBroker();
    await expect(connector.open(sessionOptions(uniqueId('nobody')), { onMessage: () => undefined })).rejects.toMatchObject({
      code: 'GW_ERR_UPSTREAM',
    });
  });

  it('reconnects after the broker restarts on the same port and restores the subscriptions', async () => {
    const connector = await external({ maxReconnectInterval: 500 });
    const a = await openWithInbox(connector, sessionOptions(uniqueId('survivor')));
    await a.session.subscribe([{ topic: 'restart/t', qos: 1 }]);
    await stopBroker();
    await delay(50);
    await startBroker();
    // The new broker knows nothing: the session must reconnect and subscribe again by itself.
    const watcher = await watch([]);
    await eventually(() => (broker?.aedes.connectedClients ?? 0) >= 2, 5000, 'session reconnect');
    await delay(100); // the resubscribe follows the CONNACK
    await watcher.client.publishAsync('restart/t', 'after restart', { qos: 1 });
    const [got] = await a.inbox.waitFor(1, 5000);
    expect(got?.payload.toString()).toBe('after restart');
    expect(a.inbox.closes).toEqual([]);
  });

  it('logs connected / lost / reconnecting (with delay) / reconnected at info, and never a payload', async () => {
    const lines: { level: number; msg: string; delayMs?: number }[] = [];
    const raw: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(chunk.toString());
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string; delayMs?: number });
        done();
      },
    });
    const connector = await createUpstreamConnector(
      testUpstreamConfig({ server: `tcp://127.0.0.1:${port}`, maxReconnectInterval: 300 }),
      createLogger('trace', sink),
    );
    connectors.push(connector);
    const a = await openWithInbox(connector, sessionOptions(uniqueId('logged')));
    await a.session.subscribe([{ topic: 'log/t', qos: 1 }]);
    await a.session.publish(message('log/t', 'SECRET-PAYLOAD', 1));
    await a.inbox.waitFor(1);
    await stopBroker();
    await startBroker();
    await eventually(() => lines.some((l) => l.msg === 'session reconnected'), 5000, 'reconnected log');
    const info = lines.filter((l) => l.level === 30).map((l) => l.msg);
    expect(info).toEqual(expect.arrayContaining(['session connected', 'connection lost', 'reconnecting', 'session reconnected']));
    expect(lines.find((l) => l.msg === 'reconnecting')?.delayMs).toBe(300);
    expect(lines.some((l) => l.level === 20 && l.msg === 'publish')).toBe(true);
    expect(raw.join('')).not.toContain('SECRET-PAYLOAD');
  });

  it('queues publishes while the broker is unreachable, up to messageChannelDepth, and sends them on reconnect', async () => {
    const connector = await external({ messageChannelDepth: 2, maxReconnectInterval: 300, writeTimeout: 0 });
    const a = await openWithInbox(connector, sessionOptions(uniqueId('offline')));
    await stopBroker();
    await delay(50);
    const first = a.session.publish(message('offline/t', 'one', 1));
    const second = a.session.publish(message('offline/t', 'two', 1));
    await expect(a.session.publish(message('offline/t', 'three', 1))).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM' });
    await startBroker();
    const watcher = await watch(['offline/t']);
    await Promise.all([first, second]);
    await watcher.waitFor(2);
    expect(watcher.received.map((r) => r.payload)).toEqual(['one', 'two']);
  });

  it('rejects a publish the broker has not acknowledged within writeTimeout (TimeoutError); it is still sent later', async () => {
    const connector = await external({ writeTimeout: 200, maxReconnectInterval: 300 });
    const a = await openWithInbox(connector, sessionOptions(uniqueId('slow')));
    await stopBroker();
    await delay(50);
    await expect(a.session.publish(message('slow/t', 'late', 1))).rejects.toMatchObject({ code: 'GW_ERR_TIMEOUT' });
    await startBroker();
    const watcher = await watch(['slow/t']);
    await watcher.waitFor(1);
    expect(watcher.received[0]?.payload).toBe('late');
  });

  it('pingTimeout drops a connection whose PINGREQ goes unanswered sooner than keepalive alone would', async () => {
    // A "broker" that accepts CONNECT and then ignores everything (a half-dead link).
    const mute = await startMuteBroker();
    cleanups.push(() => mute.close());
    const connector = await createUpstreamConnector(
      testUpstreamConfig({
        server: `tcp://127.0.0.1:${mute.port}`,
        keepAlive: 1000,
        pingTimeout: 150,
        maxReconnectInterval: 60_000,
      }),
      silentLogger(),
    );
    connectors.push(connector);
    await connector.open(sessionOptions(uniqueId('ping')), { onMessage: () => undefined });
    await eventually(() => mute.pingAt !== undefined && mute.closedAt !== undefined, 5000, 'ping and drop');
    // MQTT.js alone gives up 1.5 x keepAlive after the last packet, i.e. 500 ms after its PINGREQ.
    const pingToClose = (mute.closedAt ?? 0) - (mute.pingAt ?? 0);
    expect(pingToClose).toBeLessThan(400);
    // ...but only after waiting for the PINGRESP (150 ms, less scheduling slack): not dropped on sending the ping.
    expect(pingToClose).toBeGreaterThanOrEqual(100);
  });

  it('a session taken over by a new open() of the same client id stays down (no reconnect ping-pong)', async () => {
    const connector = await external({ maxReconnectInterval: 200 });
    const id = uniqueId('twin');
    const first = await openWithInbox(connector, sessionOptions(id));
    const second = await openWithInbox(connector, sessionOptions(id));
    await eventually(() => first.inbox.closes.length === 1, 3000, 'onClose of the old session');
    expect(first.inbox.closes[0]?.message).toMatch(/taken over/);
    await delay(600); // several reconnect periods
    expect(second.inbox.closes).toEqual([]);
    await second.session.subscribe([{ topic: 'twin/t', qos: 1 }]);
    await second.session.publish(message('twin/t', 'still mine', 1));
    const [got] = await second.inbox.waitFor(1);
    expect(got?.payload.toString()).toBe('still mine');
  });

  it('waitTimeout rejects a SUBSCRIBE that gets no SUBACK; disconnectQuiesce bounds end() with a publish in flight', async () => {
    const mute = await startMuteBroker();
    cleanups.push(() => mute.close());
    const connector = await createUpstreamConnector(
      testUpstreamConfig({ server: `tcp://127.0.0.1:${mute.port}`, waitTimeout: 150, disconnectQuiesce: 150, writeTimeout: 0 }),
      silentLogger(),
    );
    connectors.push(connector);
    const session = await connector.open(sessionOptions(uniqueId('mute')), { onMessage: () => undefined });
    await expect(session.subscribe([{ topic: 'never/acked', qos: 1 }])).rejects.toMatchObject({ code: 'GW_ERR_TIMEOUT' });
    await expect(session.unsubscribe(['never/acked'])).rejects.toMatchObject({ code: 'GW_ERR_TIMEOUT' });
    const inFlight = session.publish(message('never/acked', 'x', 1));
    await session.end(); // would wait for the PUBACK forever without the quiesce bound
    await expect(inFlight).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
  });

  describe('File store', () => {
    let storeDir: string;
    beforeEach(async () => {
      storeDir = await mkdtemp(join(tmpdir(), 'gw-upstream-store-'));
    });
    afterEach(async () => {
      await rm(storeDir, { recursive: true, force: true });
    });

    async function publishWhileDownThenRestart(type: 'File' | 'Memory', qos: 1 | 2 = 1): Promise<string[]> {
      const store = { type, directoryPrefix: storeDir } as const;
      const id = uniqueId('durable');
      const first = await external({ store, writeTimeout: 0 });
      const session = await first.open(sessionOptions(id), { onMessage: () => undefined });
      await stopBroker();
      await delay(50);
      const pending = session.publish(message('durable/t', `kept by ${type}`, qos));
      await first.close(); // the gateway stops with the message unacknowledged
      await expect(pending).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
      await startBroker();
      const watcher = await watch(['durable/t']);
      const second = await external({ store });
      await second.open(sessionOptions(id), { onMessage: () => undefined });
      await delay(type === 'File' ? 0 : 300);
      if (type === 'File') await watcher.waitFor(1);
      return watcher.received.map((r) => r.payload);
    }

    it('re-sends an unacknowledged QoS 1 publish after a gateway restart', async () => {
      expect(await publishWhileDownThenRestart('File')).toEqual(['kept by File']);
    });

    it('re-sends an unacknowledged QoS 2 publish after a gateway restart', async () => {
      expect(await publishWhileDownThenRestart('File', 2)).toEqual(['kept by File']);
    });

    it('(control) the Memory store loses it', async () => {
      expect(await publishWhileDownThenRestart('Memory')).toEqual([]);
    });

    /** A first run whose session (clean or persistent) leaves one QoS 1 publish unacknowledged in the store. */
    async function leaveStored(id: string, cleanSession: boolean, payload: string): Promise<void> {
      const store = { type: 'File', directoryPrefix: storeDir } as const;
      const first = await external({ store, writeTimeout: 0 });
      const session = await first.open(sessionOptions(id, { cleanSession }), { onMessage: () => undefined });
      await stopBroker();
      await delay(50);
      const pending = session.publish(message('durable/t', payload, 1));
      await first.close();
      await expect(pending).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
      await startBroker();
    }

    /** A second run with a logger whose messages are collected. */
    async function secondRun(): Promise<{ connector: UpstreamConnector; messages: string[] }> {
      const messages: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
          done();
        },
      });
      const connector = await createUpstreamConnector(
        testUpstreamConfig({ server: `tcp://127.0.0.1:${port}`, maxReconnectInterval: 1000, store: { type: 'File', directoryPrefix: storeDir } }),
        createLogger('info', sink),
      );
      connectors.push(connector);
      return { connector, messages };
    }

    it('at startup sends what a clean session left, without waiting for its device, then removes its directory', async () => {
      const id = uniqueId('gone');
      await leaveStored(id, true, 'left by a clean session');
      const watcher = await watch(['durable/t']);
      await secondRun();
      await watcher.waitFor(1);
      expect(watcher.received.map((r) => r.payload)).toEqual(['left by a clean session']);
      await eventually(() => !existsSync(storeDirectoryFor(storeDir, id)), 3000, 'its directory removed');
    });

    it("a persistent session's stored publishes wait for its device (connecting in its name would take its queued messages)", async () => {
      const id = uniqueId('persistent');
      await leaveStored(id, false, 'left by a persistent session');
      const watcher = await watch(['durable/t']);
      const { connector, messages } = await secondRun();
      await eventually(() => messages.includes('File store: re-send at startup finished'), 3000, 'the startup re-send');
      expect(watcher.received).toEqual([]);
      await connector.open(sessionOptions(id, { cleanSession: false }), { onMessage: () => undefined });
      await watcher.waitFor(1);
      expect(watcher.received.map((r) => r.payload)).toEqual(['left by a persistent session']);
    });
  });
});

interface MuteBroker {
  readonly port: number;
  pingAt: number | undefined;
  closedAt: number | undefined;
  close(): Promise<void>;
}

/** Answers the first CONNECT with CONNACK (MQTT 3.1.1 §3.2) and nothing after; records PINGREQ (0xC0) and close. */
async function startMuteBroker(): Promise<MuteBroker> {
  const sockets = new Set<Socket>();
  const state: MuteBroker = {
    port: 0,
    pingAt: undefined,
    closedAt: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let connected = false;
    socket.on('data', (data: Buffer) => {
      if (!connected && data[0] === 0x10) {
        connected = true;
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      } else if (data[0] === 0xc0 && state.pingAt === undefined) {
        state.pingAt = Date.now();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (state.pingAt !== undefined && state.closedAt === undefined) state.closedAt = Date.now();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return Object.assign(state, { port: typeof address === 'object' && address !== null ? address.port : 0 });
}
