import type { UpstreamClientConfig, UpstreamConfig, UpstreamMode } from '../../src/config/types.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { createUpstreamConnector } from '../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../src/upstream/types.js';

export interface TestUpstream {
  readonly connector: UpstreamConnector;
  /** Where an MQTT.js watcher connects: `mqtt://127.0.0.1:<port>` (or TEST_UPSTREAM_URL). */
  readonly url: string;
  close(): Promise<void>;
}

/** Upstream client options for tests: the defaults, short timers, no reconnect delay surprises. */
export function testClientConfig(overrides: Partial<UpstreamClientConfig> = {}): UpstreamClientConfig {
  return {
    server: '',
    protocolVersion: 4,
    basicAuth: undefined,
    tlsConfig: undefined,
    cleanSession: true,
    store: { type: 'Memory', directoryPrefix: './data/mqtt-store' },
    resumeSubs: false,
    order: true,
    waitTimeout: 5000,
    disconnectQuiesce: 2000,
    connectTimeout: 5000,
    keepAlive: 30_000,
    pingTimeout: 10_000,
    writeTimeout: 5000,
    autoReconnect: true,
    connectRetry: false,
    maxReconnectInterval: 2000,
    messageChannelDepth: 100,
    httpHeaders: {},
    ...overrides,
  };
}

/**
 * The upstream mode under test: env TEST_UPSTREAM_MODE (`auto`, `transparent` or `aggregating`),
 * default `auto` as in the shipped configuration (direct path to the embedded broker,
 * a session per device to an external one).
 */
export function testUpstreamMode(): UpstreamMode {
  const mode = process.env['TEST_UPSTREAM_MODE'];
  if (mode === undefined || mode === '' || mode === 'auto') return 'auto';
  if (mode === 'transparent' || mode === 'aggregating') return mode;
  throw new Error(`TEST_UPSTREAM_MODE must be auto, transparent or aggregating, not ${JSON.stringify(mode)}`);
}

export function testUpstreamConfig(client: Partial<UpstreamClientConfig> = {}, bind = '127.0.0.1:0', mode: UpstreamMode = 'transparent'): UpstreamConfig {
  return {
    mode,
    embedded: { bind },
    client: testClientConfig(client),
    aggregating: { poolSize: 4, sessionQueueSize: 1000, sessionExpiry: 2 * 60 * 60 * 1000 },
  };
}

/**
 * The upstream for integration tests: the embedded broker with its TCP
 * listener on 127.0.0.1:0, or — when env TEST_UPSTREAM_URL is set (CI runs
 * the integration tests again against mosquitto) — that external broker.
 * In the mode of env TEST_UPSTREAM_MODE (default auto), so the same
 * protocol tests run through every connector kind.
 */
export async function startTestUpstream(options: { logger?: Logger; mode?: UpstreamMode } = {}): Promise<TestUpstream> {
  const logger = options.logger ?? silentLogger();
  const mode = options.mode ?? testUpstreamMode();
  const external = process.env['TEST_UPSTREAM_URL'];
  if (external !== undefined && external !== '') {
    const connector = await createUpstreamConnector(testUpstreamConfig({ server: external }, '127.0.0.1:0', mode), logger);
    return { connector, url: external, close: () => connector.close() };
  }
  const connector = await createUpstreamConnector(testUpstreamConfig({}, '127.0.0.1:0', mode), logger);
  const address = connector.embeddedAddress;
  if (address === undefined) {
    await connector.close();
    throw new Error('startTestUpstream: the embedded broker has no TCP address');
  }
  return { connector, url: `mqtt://127.0.0.1:${address.port}`, close: () => connector.close() };
}
