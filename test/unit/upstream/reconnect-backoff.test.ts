import { Aedes } from 'aedes';
import { MqttClient } from 'mqtt';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDuplexPair } from '../../../src/upstream/duplex-pair.js';
import { attachReconnectBackoff, ReconnectBackoff } from '../../../src/upstream/reconnect-backoff.js';

describe('ReconnectBackoff', () => {
  it('starts at 1 s and doubles up to the maximum', () => {
    const backoff = new ReconnectBackoff(20_000);
    expect(Array.from({ length: 8 }, () => backoff.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 20_000, 20_000, 20_000]);
  });

  it('reset() starts over at 1 s', () => {
    const backoff = new ReconnectBackoff(10_000);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });

  it('a maximum below 1 s caps the first delay too; 0 means (almost) immediately', () => {
    expect(new ReconnectBackoff(500).next()).toBe(500);
    expect(new ReconnectBackoff(0).next()).toBe(1);
  });
});

describe('attachReconnectBackoff on a real MQTT.js client', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reconnects after 1, 2, 4, 8 s, then every max seconds, while the broker stays unreachable', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const attempts: number[] = [];
    const client = new MqttClient(
      () => {
        attempts.push(Date.now() - start);
        const { client: side, server } = createDuplexPair();
        server.destroy(); // the "broker" hangs up at once
        return side;
      },
      { clientId: 'backoff', reconnectPeriod: 1000, manualConnect: true, connectTimeout: 60_000, keepalive: 0 },
    );
    client.on('error', () => undefined);
    const scheduled: number[] = [];
    attachReconnectBackoff(client, 10_000, (delay) => scheduled.push(delay));
    client.connect();
    await vi.advanceTimersByTimeAsync(45_000);
    client.end(true);
    expect(attempts).toEqual([0, 1000, 3000, 7000, 15_000, 25_000, 35_000, 45_000]);
    expect(scheduled.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('starts again at 1 s after a successful connection (real aedes behind the pipe)', async () => {
    const broker = await Aedes.createBroker();
    // Timers are fake; setImmediate / nextTick stay real so the broker's stream processing runs.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    try {
      let attempt = 0;
      let current: Duplex | undefined;
      const client = new MqttClient(
        () => {
          attempt += 1;
          const { client: side, server } = createDuplexPair();
          if (attempt === 3 || attempt === 4) broker.handle(server);
          else server.destroy();
          current = side;
          return side;
        },
        { clientId: 'reset', reconnectPeriod: 1000, manualConnect: true, keepalive: 0 },
      );
      client.on('error', () => undefined);
      const scheduled: number[] = [];
      attachReconnectBackoff(client, 60_000, (delay) => scheduled.push(delay));
      const connected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
      client.connect();
      for (let t = 0; t < 3000; t += 500) {
        await settle();
        await vi.advanceTimersByTimeAsync(500);
      }
      await connected; // attempts at 0 s and 1 s failed, the one at 3 s succeeded
      expect(attempt).toBe(3);
      expect(scheduled).toEqual([1000, 2000]);
      current?.destroy(); // connection lost
      await settle();
      await vi.advanceTimersByTimeAsync(1000);
      expect(scheduled).toEqual([1000, 2000, 1000]);
      expect(attempt).toBe(4);
      client.end(true);
    } finally {
      vi.useRealTimers();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  });
});
