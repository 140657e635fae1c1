import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { EmbeddedBroker } from '../../../src/upstream/embedded-broker.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { silentLogger } from '../../../src/log.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  delayMs?: number;
  downMs?: number;
}

const WARN = 40;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('broker outage and reconnect are logged at warn, in order, once per outage', () => {
  let broker: EmbeddedBroker | undefined;
  let connector: UpstreamConnector | undefined;
  afterEach(async () => {
    await connector?.close();
    await broker?.close();
    connector = undefined;
    broker = undefined;
  });

  for (const mode of ['transparent', 'aggregating'] as const) {
    it(`${mode}: lost (with the reason), reconnecting (with the delay), restored`, async () => {
      broker = await EmbeddedBroker.start({ bind: '127.0.0.1:0', logger: silentLogger() });
      const port = broker.address?.port;
      if (port === undefined) throw new Error('no broker port');
      const lines: LogLine[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const text of chunk.toString().split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as LogLine);
          done();
        },
      });
      const logger = createLogger('warn', sink);
      connector = await createUpstreamConnector(
        testUpstreamConfig({ server: `mqtt://127.0.0.1:${port}`, maxReconnectInterval: 1000, keepAlive: 5000 }, '', mode),
        logger,
      );
      await connector.open({ clientId: `outage-a-${mode}`, cleanSession: true, keepAliveSeconds: 30 }, { onMessage: () => undefined });
      await connector.open({ clientId: `outage-b-${mode}`, cleanSession: true, keepAliveSeconds: 30 }, { onMessage: () => undefined });
      expect(connector.health?.connected).toBe(true);

      await broker.close();
      broker = undefined;
      await until(() => lines.some((l) => l.msg === 'reconnecting to the broker'), 'the reconnecting line');
      expect(connector.health?.connected).toBe(false);

      broker = await EmbeddedBroker.start({ bind: `127.0.0.1:${port}`, logger: silentLogger() });
      await until(() => lines.some((l) => l.msg === 'broker connection restored'), 'the restored line');
      expect(connector.health?.connected).toBe(true);
      expect(connector.health?.outages).toBe(1);
      expect(connector.health?.reconnects).toBeGreaterThanOrEqual(2);

      const outage = lines.filter((l) => l.msg.startsWith('broker connection') || l.msg === 'reconnecting to the broker');
      expect(outage.every((l) => l.level === WARN)).toBe(true);
      expect(outage[0]?.msg).toBe('broker connection lost');
      expect(typeof outage[0]?.reason).toBe('string');
      expect(outage.filter((l) => l.msg === 'broker connection lost')).toHaveLength(1);
      expect(outage.at(-1)?.msg).toBe('broker connection restored');
      const reconnecting = outage.slice(1, -1);
      expect(reconnecting.length).toBeGreaterThanOrEqual(1);
      for (const l of reconnecting) {
        expect(l.msg).toBe('reconnecting to the broker');
        expect(l.delayMs).toBeGreaterThan(0);
      }
    });
  }
});
