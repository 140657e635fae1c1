import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectiveUpstreamMode } from '../../../src/config/types.js';
import { createLogger } from '../../../src/log.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';
import { startMosquitto, type MosquittoProcess } from './mosquitto-process.js';
import { missingTool } from './test-certificates.js';
import { eventually, freePort, message, openWithInbox, sessionOptions, startWatcher, uniqueId } from './upstream-test-kit.js';

/** pino JSON lines written to memory. */
function captureLog(): { stream: Writable; records: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const records = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, records };
}

const WAITING = 'broker not reachable yet; waiting for it';

describe.each<EffectiveUpstreamMode>(['transparent', 'aggregating'])('external broker started after the gateway (%s)', (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('waits with the reconnect backoff and one warning per attempt, then works', async (ctx) => {
    const port = await freePort();
    const log = captureLog();
    const config = testUpstreamConfig({ server: `mqtt://127.0.0.1:${port}`, connectRetry: true, maxReconnectInterval: 400 }, '', mode);
    let connector: UpstreamConnector | undefined;
    let failure: unknown;
    const cancel = new AbortController();
    const starting = createUpstreamConnector(config, createLogger('info', log.stream), cancel.signal).then(
      (created) => {
        connector = created;
        cleanups.push(() => created.close());
      },
      (error: unknown) => {
        failure = error;
      },
    );
    cleanups.push(async () => {
      cancel.abort();
      await starting;
    });
    const warnings = (): Record<string, unknown>[] => log.records().filter((r) => r['msg'] === WAITING);
    await eventually(() => warnings().length >= 3, 5000, 'three warnings while the broker is down');
    expect(connector).toBeUndefined();
    expect(failure).toBeUndefined();
    const [first, second, third] = warnings();
    expect(first).toMatchObject({ level: 40, attempt: 1, retryInMs: 400, server: `mqtt://127.0.0.1:${port}` });
    expect(second).toMatchObject({ attempt: 2, retryInMs: 400 });
    expect(third).toMatchObject({ attempt: 3 });
    expect(String(first?.['err'])).toMatch(/ECONNREFUSED|closed/);

    let mosquitto: MosquittoProcess | undefined;
    try {
      mosquitto = await startMosquitto(port);
    } catch (error) {
      throw new Error(`mosquitto could not start on ${port}: ${String(error)}`);
    }
    if (mosquitto === undefined) {
      missingTool('mosquitto');
      return ctx.skip();
    }
    const broker = mosquitto;
    cleanups.unshift(() => broker.stop());
    await starting;
    expect(failure).toBeUndefined();
    if (connector === undefined) throw new Error('no connector');
    expect(log.records().some((r) => r['msg'] === 'broker reachable')).toBe(true);

    const watcher = await startWatcher(`mqtt://127.0.0.1:${port}`, ['late/up']);
    cleanups.push(() => watcher.client.endAsync());
    const device = await openWithInbox(connector, sessionOptions(uniqueId('late')));
    expect(await device.session.subscribe([{ topic: 'late/down', qos: 1 }])).toEqual([1]);
    await device.session.publish(message('late/up', 'after the wait', 1));
    await watcher.waitFor(1);
    expect(watcher.received[0]?.payload).toBe('after the wait');
    await watcher.client.publishAsync('late/down', 'to the device', { qos: 1 });
    expect((await device.inbox.waitFor(1))[0]?.payload.toString()).toBe('to the device');
  });
});

describe('external broker not reachable at startup', () => {
  it('fails at the first attempt when connectRetry is false', async () => {
    const port = await freePort();
    const config = testUpstreamConfig({ server: `mqtt://127.0.0.1:${port}`, connectRetry: false }, '', 'transparent');
    await expect(createUpstreamConnector(config, createLogger('silent'))).rejects.toMatchObject({
      code: 'GW_ERR_UPSTREAM',
      message: expect.stringContaining('connectRetry'),
    });
  });

  it('stops waiting when startup is cancelled (a signal before the broker came up)', async () => {
    const port = await freePort();
    const config = testUpstreamConfig({ server: `mqtt://127.0.0.1:${port}`, connectRetry: true, maxReconnectInterval: 60_000 }, '', 'aggregating');
    const log = captureLog();
    const cancel = new AbortController();
    const starting = createUpstreamConnector(config, createLogger('info', log.stream), cancel.signal);
    await eventually(() => log.records().some((r) => r['msg'] === WAITING), 5000, 'first warning');
    cancel.abort();
    await expect(starting).rejects.toMatchObject({ code: 'GW_ERR_CLOSED' });
  });
});
