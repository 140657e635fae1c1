import type { UpstreamConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { AggregatingConnector } from './aggregating-connector.js';
import { describeServer, mapClientOptions, sessionPolicyOf } from './client-options.js';
import { DirectConnector } from './direct-connector.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { TransparentConnector } from './transparent-connector.js';
import type { UpstreamConnector } from './types.js';

/** Default CONNECT/CONNACK wait for in-process sessions when the configuration says 0 ("never"). */
const EMBEDDED_CONNECT_TIMEOUT_MS = 30_000;

/**
 * The upstream the protocol gateways publish through: the embedded aedes
 * broker (in-process sessions, TCP listener on `embedded.bind`) when
 * `client.server` is "", else the external broker at `client.server`.
 *
 * `mode` (see docs/upstream-modes.md): `transparent` = one broker session
 * per device (in-process duplex pair to the embedded broker, or one MQTT.js
 * connection each to the external one); `aggregating` = no connection per
 * device: the direct in-process path into the embedded broker, or a small
 * pool of connections shared by all devices to the external one.
 */
export async function createUpstreamConnector(config: UpstreamConfig, logger: Logger): Promise<UpstreamConnector> {
  const upstreamLogger = logger.child({ component: 'upstream' });
  if (config.client.server.trim() === '') {
    const broker = await EmbeddedBroker.start({ bind: config.embedded.bind, logger: upstreamLogger });
    upstreamLogger.info({ mode: config.mode, path: config.mode === 'aggregating' ? 'direct' : 'session per device' }, 'upstream mode');
    if (config.mode === 'aggregating') {
      return new DirectConnector({
        broker,
        logger: upstreamLogger,
        parkedQueueLimit: config.aggregating?.sessionQueueSize,
        parkedSessionExpiryMs: config.aggregating?.sessionExpiry,
      });
    }
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
  upstreamLogger.info({ mode: config.mode, path: config.mode === 'aggregating' ? 'shared pool' : 'connection per device' }, 'upstream mode');
  if (config.mode === 'aggregating') {
    return AggregatingConnector.start({
      mapped,
      logger: upstreamLogger,
      poolSize: config.aggregating?.poolSize,
      parkedQueueLimit: config.aggregating?.sessionQueueSize,
      parkedSessionExpiryMs: config.aggregating?.sessionExpiry,
    });
  }
  upstreamLogger.info(
    { server: describeServer(mapped.brokerUrl), protocolVersion: mapped.options.protocolVersion, store: config.client.store.type },
    'external broker',
  );
  return new TransparentConnector({ target: { kind: 'external', mapped }, logger: upstreamLogger });
}

/** Starts the embedded broker alone (for tools and tests that need its address). */
export { EmbeddedBroker } from './embedded-broker.js';
