import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { startGatewayUnderTest, waitFor, type GatewayUnderTest } from './running-gateway.js';

interface StatsLine {
  msg: string;
  level: number;
  mqttsn?: { sessions: number; datagramsIn: number };
  lwm2m?: { registrations: number };
  datagrams?: { in: number; inSinceLast: number };
  upstream?: { connected: boolean };
}

describe('log.stats_interval', () => {
  let g: GatewayUnderTest | undefined;
  afterAll(async () => {
    await g?.close();
  });

  it('logs the main counters periodically at info', async () => {
    const lines: StatsLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as StatsLine);
        done();
      },
    });
    g = await startGatewayUnderTest({ log: { stats_interval: '100ms' } }, createLogger('info', sink));
    const client = await SnTestClient.open(g.snPort);
    try {
      await client.connect(`stats-${process.pid}`);
      const line = await waitFor(() => lines.find((l) => l.msg === 'stats' && l.mqttsn?.sessions === 1), 'a stats line with the session');
      expect(line.level).toBe(30);
      expect(line.mqttsn?.datagramsIn).toBeGreaterThanOrEqual(1);
      expect(line.lwm2m).toEqual({ registrations: 0, observations: 0 });
      expect(line.datagrams?.in).toBeGreaterThanOrEqual(1);
      expect(line.upstream).toMatchObject({ connected: true });
    } finally {
      await client.close();
    }
  });
});
