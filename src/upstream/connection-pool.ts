import { randomBytes } from 'node:crypto';
import type { Qos } from '../config/types.js';
import type { Logger } from '../log.js';
import { describeServer, type MappedClientOptions } from './client-options.js';
import { DeadlineSweep } from './deadline-sweep.js';
import { UpstreamHealth } from './link-health.js';
import { AggregatingConnector, type FanOutBackend, type FanOutSink } from './aggregating-connector.js';
import { newPublishRefusals } from './mqtt-link.js';
import { PoolConnection } from './pool-connection.js';
import type { SubscribeResult, UpstreamMessage } from './types.js';

/** Connections shared by all sessions when nothing else is configured. */
export const DEFAULT_POOL_SIZE = 4;

export interface PooledConnectorOptions {
  readonly mapped: MappedClientOptions;
  readonly logger: Logger;
  readonly poolSize?: number | undefined;
  /** Pool connections are `<prefix>-<n>`; default `gw-<random>` (unique per gateway process). */
  readonly clientIdPrefix?: string | undefined;
  readonly parkedQueueLimit?: number | undefined;
  readonly parkedSessionExpiryMs?: number | undefined;
}

/**
 * Aggregating mode against an external broker: a small pool of MQTT
 * connections shared by every session. The gateway keeps the subscription
 * table (one broker subscription per distinct filter, on one pool
 * connection chosen by the filter's hash), fans incoming messages out, and
 * spreads publishes over the pool by client id (one client's messages keep
 * their order). Per-device credentials and wills are not sent to the broker:
 * the pool authenticates with `basicAuth`, and the gateway publishes wills.
 */
export async function createPooledConnector(options: PooledConnectorOptions): Promise<AggregatingConnector> {
  const size = Math.max(1, Math.floor(options.poolSize ?? DEFAULT_POOL_SIZE));
  const prefix = options.clientIdPrefix ?? `gw-${randomBytes(4).toString('hex')}`;
  const policy = options.mapped.policy;
  const writeDeadlines = policy.writeTimeoutMs > 0 ? new DeadlineSweep(policy.writeTimeoutMs) : undefined;
  const sink: { current: FanOutSink | undefined } = { current: undefined };
  const refusals = newPublishRefusals();
  const health = new UpstreamHealth(options.logger);
  const opened = await Promise.allSettled(
    Array.from({ length: size }, (_unused, index) =>
      PoolConnection.open({
        mapped: options.mapped,
        clientId: `${prefix}-${index}`,
        logger: options.logger,
        writeDeadlines,
        refusals,
        health,
        onMessage: (filters, message) => sink.current?.deliver(filters, message),
      }),
    ),
  );
  const connections = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) {
    await Promise.allSettled(connections.map((connection) => connection.close()));
    writeDeadlines?.clear();
    throw failure.reason;
  }
  const connector = new AggregatingConnector({
    description: `${describeServer(options.mapped.brokerUrl)} (aggregating x${connections.length})`,
    path: 'pool',
    publishRefusals: refusals,
    health,
    embeddedAddress: () => undefined,
    logger: options.logger,
    parkedQueueLimit: options.parkedQueueLimit,
    parkedSessionExpiryMs: options.parkedSessionExpiryMs,
    resubscribeForRetained: true,
    routes: connections.length,
    backend: () => new PooledBackend(connections, writeDeadlines),
  });
  sink.current = connector;
  options.logger.info(
    { server: describeServer(options.mapped.brokerUrl), pool: size, protocolVersion: options.mapped.options.protocolVersion },
    'external broker, aggregating pool connected',
  );
  return connector;
}

class PooledBackend implements FanOutBackend {
  readonly #connections: readonly PoolConnection[];
  readonly #writeDeadlines: DeadlineSweep | undefined;

  constructor(connections: readonly PoolConnection[], writeDeadlines: DeadlineSweep | undefined) {
    this.#connections = connections;
    this.#writeDeadlines = writeDeadlines;
  }

  /** The connection that owns `filter` (stable: the filter's hash). */
  #ownerOf(filter: string): PoolConnection {
    return this.#connections[hashOf(filter) % this.#connections.length];
  }

  subscribeFilter(filter: string, qos: Qos, _first: boolean, onAck: () => void): Promise<SubscribeResult> {
    return this.#ownerOf(filter).subscribe(filter, qos, onAck);
  }

  unsubscribeFilter(filter: string): Promise<void> {
    return this.#ownerOf(filter).unsubscribe(filter);
  }

  publish(message: UpstreamMessage, route: number): Promise<void> {
    const preferred = this.#connections[route % this.#connections.length];
    if (preferred.connected) return preferred.publish(message);
    // Its connection is down: another connected one carries it (order across the switch is not kept).
    const fallback = this.#connections.find((connection) => connection.connected);
    return (fallback ?? preferred).publish(message);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#connections.map((connection) => connection.close()));
    this.#writeDeadlines?.clear();
  }
}

/** FNV-1a. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
