import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger, type Logger } from '../../../src/log.js';
import { startGateway, type RunningGateway } from '../../../src/runtime.js';
import { testUpstreamMode } from '../../helpers/upstream.js';

export interface GatewayUnderTest {
  readonly gateway: RunningGateway;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly snPort: number;
  readonly lwm2m: { host: string; port: number };
  /** Where an MQTT.js watcher connects. */
  readonly brokerUrl: string;
  close(): Promise<void>;
}

/**
 * The whole gateway in-process (startGateway, as `npm start` runs it) with
 * every listener on 127.0.0.1 port 0: embedded broker, or the external one
 * of `overrides.brokerUrl` / TEST_UPSTREAM_URL, in the mode of TEST_UPSTREAM_MODE.
 */
export async function startGatewayUnderTest(overrides: Record<string, unknown> = {}, logger: Logger = silentLogger()): Promise<GatewayUnderTest> {
  const external = (overrides['brokerUrl'] as string | undefined) ?? process.env['TEST_UPSTREAM_URL'];
  const config = resolveConfig({
    log: { level: 'info', ...(overrides['log'] as object | undefined) },
    http: { bind: '127.0.0.1:0', command_timeout: '3s', ...(overrides['http'] as object | undefined) },
    upstream: { mode: testUpstreamMode(), embedded: { bind: '127.0.0.1:0' }, client: { server: external ?? '', maxReconnectInterval: '1s' } },
    mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, ...(overrides['mqttsn'] as object | undefined) },
    lwm2m: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, ...(overrides['lwm2m'] as object | undefined) },
  });
  const gateway = await startGateway(config, logger);
  const http = gateway.http?.address;
  const sn = gateway.mqttsn?.addresses[0];
  const lw = gateway.lwm2m?.addresses[0];
  if (http === undefined || sn === undefined || lw === undefined) throw new Error('gateway did not bind every listener');
  const upstream = gateway.upstream;
  const embedded = upstream.embeddedAddress;
  const brokerUrl = external !== undefined && external !== '' ? external : `mqtt://127.0.0.1:${embedded?.port ?? 0}`;
  return {
    gateway,
    base: `http://127.0.0.1:${http.port}`,
    snPort: sn.port,
    lwm2m: { host: '127.0.0.1', port: lw.port },
    brokerUrl,
    close: () => gateway.close(),
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown), headers: res.headers };
}
