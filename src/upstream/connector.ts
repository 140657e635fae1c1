import type { EffectiveUpstreamMode, UpstreamConfig, UpstreamMode } from '../config/types.js';
import type { Logger } from '../log.js';
import { waitForBroker } from './broker-wait.js';
import { describeServer, mapClientOptions, sessionPolicyOf } from './client-options.js';
import { createPooledConnector } from './connection-pool.js';
import { createDirectConnector } from './direct-path.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { TransparentConnector } from './transparent-connector.js';
import type { UpstreamConnector } from './types.js';

/** Default CONNECT/CONNACK wait for in-process sessions when the configuration says 0 ("never"). */
const EMBEDDED_CONNECT_TIMEOUT_MS = 30_000;

/**
 * `auto` resolved: the embedded broker gets the direct in-process path
 * (`aggregating`): per-device broker sessions exist for per-device broker
 * authentication and broker-held wills, and neither applies to a broker in the
 * same process, while each session costs two MQTT encode/parse passes per
 * message. An external broker gets `transparent`: one broker session per
 * device, so the broker sees and authorises every device itself.
 */
export function effectiveUpstreamMode(config: { readonly mode: UpstreamMode; readonly client: { readonly server: string } }): EffectiveUpstreamMode {
  if (config.mode !== 'auto') return config.mode;
  return isEmbedded(config) ? 'aggregating' : 'transparent';
}

function isEmbedded(config: { readonly client: { readonly server: string } }): boolean {
  return config.client.server.trim() === '';
}

/**
 * The upstream the protocol gateways publish through: the embedded aedes
 * broker (in-process sessions, TCP listener on `embedded.bind`) when
 * `client.server` is "", else the external broker at `client.server`.
 *
 * `mode` (docs/upstream.md; `auto` resolved by `effectiveUpstreamMode`): `transparent` = one broker session
 * per device (in-process duplex pair to the embedded broker, or one MQTT.js
 * connection each to the external one); `aggregating` = no connection per
 * device: the direct in-process path into the embedded broker, or a small
 * pool of connections shared by all devices to the external one.
 *
 * An external broker that is not reachable yet is waited for first
 * (`upstream.client.connectRetry`); `signal` cancels the wait.
 */
export async function createUpstreamConnector(config: UpstreamConfig, logger: Logger, signal?: AbortSignal): Promise<UpstreamConnector> {
  const upstreamLogger = logger.child({ component: 'upstream' });
  const mode = effectiveUpstreamMode(config);
  if (isEmbedded(config)) {
    const broker = await EmbeddedBroker.start({ bind: config.embedded.bind, logger: upstreamLogger });
    upstreamLogger.info({ mode, configured: config.mode, path: mode === 'aggregating' ? 'direct' : 'session per device' }, 'upstream mode');
    if (mode === 'aggregating') {
      return createDirectConnector({
        broker,
        logger: upstreamLogger,
        parkedQueueLimit: config.aggregating.sessionQueueSize,
        parkedSessionExpiryMs: config.aggregating.sessionExpiry,
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
  await waitForBroker({
    mapped,
    connectRetry: config.client.connectRetry,
    maxIntervalMs: config.client.maxReconnectInterval,
    logger: upstreamLogger,
    signal,
  });
  upstreamLogger.info({ mode, configured: config.mode, path: mode === 'aggregating' ? 'shared pool' : 'connection per device' }, 'upstream mode');
  if (mode === 'aggregating') {
    if (config.client.store.type === 'File') {
      upstreamLogger.warn(
        'upstream.client.store File is not used in aggregating mode: unacknowledged publishes do not survive a gateway restart (docs/upstream.md)',
      );
    }
    return createPooledConnector({
      mapped,
      logger: upstreamLogger,
      poolSize: config.aggregating.poolSize,
      parkedQueueLimit: config.aggregating.sessionQueueSize,
      parkedSessionExpiryMs: config.aggregating.sessionExpiry,
    });
  }
  upstreamLogger.info(
    { server: describeServer(mapped.brokerUrl), protocolVersion: mapped.options.protocolVersion, store: config.client.store.type },
    'external broker',
  );
  const connector = new TransparentConnector({ target: { kind: 'external', mapped }, logger: upstreamLogger });
  connector.resendStoredPublishes();
  return connector;
}

/** Starts the embedded broker alone (for tools and tests that need its address). */
export { EmbeddedBroker } from './embedded-broker.js';
