import type { UpstreamClientConfig, UpstreamConfig } from '../../src/config/types.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { createUpstreamConnector } from '../../src/upstream/connector.js';
import { TransparentConnector } from '../../src/upstream/transparent-connector.js';
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
    maxReconnectInterval: 2000,
    messageChannelDepth: 100,
    httpHeaders: {},
    ...overrides,
  };
}

export function testUpstreamConfig(client: Partial<UpstreamClientConfig> = {}, bind = '127.0.0.1:0'): UpstreamConfig {
  return { mode: 'transparent', embedded: { bind }, client: testClientConfig(client) };
}

/**
 * The upstream for integration tests: the embedded broker with its TCP
 * listener on 127.0.0.1:0, or — when env TEST_UPSTREAM_URL is set (CI runs
 * the integration tests again against mosquitto) — that external broker.
 */
export async function startTestUpstream(options: { logger?: Logger } = {}): Promise<TestUpstream> {
  const logger = options.logger ?? silentLogger();
  const external = process.env['TEST_UPSTREAM_URL'];
  if (external !== undefined && external !== '') {
    const connector = await createUpstreamConnector(testUpstreamConfig({ server: external }), logger);
    return { connector, url: external, close: () => connector.close() };
  }
  const connector = await createUpstreamConnector(testUpstreamConfig(), logger);
  const address = connector instanceof TransparentConnector ? connector.embeddedAddress : undefined;
  if (address === undefined) {
    await connector.close();
    throw new Error('startTestUpstream: the embedded broker has no TCP address');
  }
  return { connector, url: `mqtt://127.0.0.1:${address.port}`, close: () => connector.close() };
}
