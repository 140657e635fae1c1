import mqtt, { type MqttClient } from 'mqtt';
import { afterEach } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { MqttSnConfig } from '../../../src/config/types.js';
import { silentLogger, createLogger } from '../../../src/log.js';
import { MqttSnGateway } from '../../../src/mqttsn/gateway.js';
import { SnTestClient, type SnTestClientOptions } from '../../helpers/sn-client.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';

/** Everything one integration test started; closed by `afterEach` in reverse order. */
export interface Harness {
  readonly gateway: MqttSnGateway;
  readonly upstream: TestUpstream;
  readonly config: MqttSnConfig;
  readonly port: number;
  /** A new SnTestClient towards the gateway (closed after the test). */
  client(options?: SnTestClientOptions): Promise<SnTestClient>;
  /** A real MQTT.js client on the broker (closed after the test). */
  watcher(options?: mqtt.IClientOptions): Promise<MqttClient>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Every cleanup runs; a failing one (e.g. gateway.close() rejecting) then fails the test instead of vanishing.
  const failures: unknown[] = [];
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as () => Promise<void>;
    await cleanup().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} cleanup step(s) failed`);
});

let counter = 0;
/** A prefix unique per test run and call, so tests never see each other's topics or client ids (shared brokers). */
export function unique(name: string): string {
  counter += 1;
  return `t${process.pid}x${Date.now().toString(36)}x${counter}-${name}`;
}

/** Short timers by default so supervision tests run in well under a second. */
export async function startHarness(mqttsn: Record<string, unknown> = {}): Promise<Harness> {
  const config = resolveConfig({
    mqttsn: {
      listeners: { udp: { default: { bind: '127.0.0.1:0' } } },
      retry_interval: '300ms',
      idle_timeout: '2s',
      ...mqttsn,
    },
  }).mqttsn;
  const upstream = await startTestUpstream();
  cleanups.push(() => upstream.close());
  const logger = process.env['MQTTSN_TEST_LOG'] === undefined ? silentLogger() : createLogger('debug');
  const gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger });
  cleanups.push(() => gateway.close());
  const port = gateway.addresses[0]?.port ?? 0;
  return {
    gateway,
    upstream,
    config,
    port,
    async client(options?: SnTestClientOptions): Promise<SnTestClient> {
      const client = await SnTestClient.open(port, options);
      cleanups.push(() => client.close());
      return client;
    },
    async watcher(options?: mqtt.IClientOptions): Promise<MqttClient> {
      const client = await mqtt.connectAsync(upstream.url, { reconnectPeriod: 0, ...options });
      cleanups.push(() => client.endAsync(true));
      return client;
    },
  };
}

/** Resolves with the next message on `topic` the watcher receives. */
export function nextMessage(watcher: MqttClient, topic: string, timeoutMs = 3000): Promise<{ topic: string; payload: Buffer; retain: boolean; qos: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watcher.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Buffer, packet: mqtt.IPublishPacket): void => {
      if (t !== topic) return;
      clearTimeout(timer);
      watcher.off('message', onMessage);
      resolve({ topic: t, payload, retain: packet.retain, qos: packet.qos });
    };
    watcher.on('message', onMessage);
  });
}

/** Collects every message the watcher receives on topics matching `prefix`. */
export function collect(watcher: MqttClient, prefix: string): { topic: string; payload: string }[] {
  const seen: { topic: string; payload: string }[] = [];
  watcher.on('message', (topic, payload) => {
    if (topic.startsWith(prefix)) seen.push({ topic, payload: payload.toString() });
  });
  return seen;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
