import type { UpstreamConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { describeServer, mapClientOptions, sessionPolicyOf } from './client-options.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { TransparentConnector } from './transparent-connector.js';
import type { UpstreamConnector } from './types.js';

/** Default CONNECT/CONNACK wait for in-process sessions when the configuration says 0 ("never"). */
const EMBEDDED_CONNECT_TIMEOUT_MS = 30_000;

/**
 * The upstream the protocol gateways publish through: the embedded aedes
 * broker (in-process sessions, TCP listener on `embedded.bind`) when
 * `client.server` is "", else the external broker at `client.server`.
 */
export async function createUpstreamConnector(config: UpstreamConfig, logger: Logger): Promise<UpstreamConnector> {
  const upstreamLogger = logger.child({ component: 'upstream' });
  if (config.client.server.trim() === '') {
    const broker = await EmbeddedBroker.start({ bind: config.embedded.bind, logger: upstreamLogger });
    return new TransparentConnector({
      target: {
        kind: 'embedded',
        broker,
        connectTimeoutMs: config.client.connectTimeout > 0 ? config.client.connectTimeout : EMBEDDED_CONNECT_TIMEOUT_MS,
        policy: sessionPolicyOf(config.client, false),
      },
      logger: upstreamLogger,
      onClosed: () => broker.close(),
    });
  }
  const mapped = mapClientOptions(config.client);
  upstreamLogger.info(
    { server: describeServer(mapped.brokerUrl), protocolVersion: mapped.options.protocolVersion, store: config.client.store.type },
    'upstream: external broker',
  );
  return new TransparentConnector({ target: { kind: 'external', mapped }, logger: upstreamLogger });
}

/** Starts the embedded broker alone (for tools and tests that need its address). */
export { EmbeddedBroker } from './embedded-broker.js';
