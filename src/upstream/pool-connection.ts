import { connect, type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import type { Qos } from '../config/types.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MappedClientOptions } from './client-options.js';
import type { DeadlineSweep } from './deadline-sweep.js';
import type { UpstreamHealth } from './link-health.js';
import { MqttLink, type PublishRefusals } from './mqtt-link.js';
import { attachReconnectBackoff } from './reconnect-backoff.js';
import { TopicFilterTrie } from '../topics/topic-filter-trie.js';
import type { SubscribeResult, UpstreamMessage } from './types.js';
import { FileStore } from './file-store.js';
import { reviveReleasedOnNewSession } from './released-revival.js';

/** Keepalive of a pool connection when the configuration says 0: a shared link must be supervised. */
const DEFAULT_POOL_KEEPALIVE_S = 60;

export interface PoolConnectionOptions {
  readonly mapped: MappedClientOptions;
  readonly clientId: string;
  readonly logger: Logger;
  readonly writeDeadlines: DeadlineSweep | undefined;
  readonly refusals?: PublishRefusals | undefined;
  /** A broker message and the filters of this connection it matched. */
  readonly onMessage: (filters: readonly string[], message: UpstreamMessage) => void;
  /** The outage log and link state shared by the pool. */
  readonly health?: UpstreamHealth | undefined;
}

/**
 * One MQTT.js connection of the aggregating pool. It owns a share of the
 * gateway's distinct filters (each filter lives on exactly one connection),
 * matches incoming topics against them, and subscribes them again after a
 * reconnect that found no session (MQTT 3.1.1 §3.2.2.2).
 */
export class PoolConnection {
  readonly clientId: string;
  readonly #client: MqttClient;
  readonly #link: MqttLink;
  readonly #logger: Logger;
  /** Filter -> QoS subscribed with. */
  readonly #filters = new Map<string, Qos>();
  readonly #trie = new TopicFilterTrie();
  /** Filter -> callbacks to run when the SUBACK of its pending SUBSCRIBE is read (in send order). */
  readonly #ackHooks = new Map<string, (() => void)[]>();
  /** SUBSCRIBE packet id -> its filters, until the SUBACK. */
  readonly #subscribesInFlight = new Map<number, string[]>();
  #everConnected = false;
  #closed = false;
  readonly #health: UpstreamHealth | undefined;

  private constructor(client: MqttClient, options: PoolConnectionOptions) {
    this.#client = client;
    this.#health = options.health;
    this.clientId = options.clientId;
    this.#logger = options.logger;
    this.#link = new MqttLink(client, {
      policy: options.mapped.policy,
      writeDeadlines: options.writeDeadlines,
      details: { pool: options.clientId },
      refusals: options.refusals,
    });
    // MQTT.js calls subscribe callbacks a promise turn after the SUBACK, by which time the
    // retained PUBLISHes that follow it may have been handled: hooks run on the packet itself.
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'subscribe' && packet.messageId !== undefined) {
        this.#subscribesInFlight.set(
          packet.messageId,
          packet.subscriptions.map((sub) => sub.topic),
        );
      }
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd !== 'suback' || packet.messageId === undefined) return;
      const topics = this.#subscribesInFlight.get(packet.messageId);
      if (topics === undefined) return;
      this.#subscribesInFlight.delete(packet.messageId);
      topics.forEach((topic, index) => {
        const hooks = this.#ackHooks.get(topic);
        const hook = hooks?.shift();
        if (hooks !== undefined && hooks.length === 0) this.#ackHooks.delete(topic);
        const code = packet.granted[index];
        if (hook !== undefined && typeof code === 'number' && code < 0x80) hook();
      });
    });
    client.on('close', () => {
      // Unanswered SUBSCRIBEs of a lost connection get no SUBACK; their hooks are dropped with them.
      this.#subscribesInFlight.clear();
      this.#ackHooks.clear();
    });
    client.on('message', (topic, payload, packet) => {
      const filters = this.#trie.match(topic);
      if (filters.length === 0) return;
      options.onMessage(filters, { topic, payload, qos: packet.qos, retain: packet.retain });
    });
  }

  /** Connects; resolves after the first CONNACK, rejects with GW_ERR_UPSTREAM when it fails. */
  static open(options: PoolConnectionOptions): Promise<PoolConnection> {
    const { mapped } = options;
    const clientOptions: IClientOptions = {
      ...mapped.options,
      clientId: options.clientId,
      // The gateway keeps the session state; after a reconnect it subscribes again.
      clean: true,
      manualConnect: true,
    };
    if (!clientOptions.keepalive) clientOptions.keepalive = DEFAULT_POOL_KEEPALIVE_S;
    if (mapped.options.wsOptions !== undefined) clientOptions.wsOptions = { ...mapped.options.wsOptions };
    const outgoing = FileStore.inMemory();
    clientOptions.outgoingStore = outgoing;
    const client = connect(mapped.brokerUrl, clientOptions);
    reviveReleasedOnNewSession(client, outgoing);
    const connection = new PoolConnection(client, options);
    return connection.#connect(mapped.policy.maxReconnectIntervalMs);
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  get filterCount(): number {
    return this.#filters.size;
  }

  #connect(maxReconnectIntervalMs: number | undefined): Promise<PoolConnection> {
    const client = this.#client;
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      client.on('error', (error) => {
        lastError = error;
        this.#logger.debug({ pool: this.clientId, err: error.message }, 'upstream pool: connection error');
      });
      if (maxReconnectIntervalMs !== undefined) {
        attachReconnectBackoff(client, maxReconnectIntervalMs, (delayMs) => {
          if (this.#everConnected && !this.#closed) {
            this.#health?.reconnecting(this, delayMs, lastError?.message);
            this.#logger.info({ pool: this.clientId, delayMs }, 'upstream pool: reconnecting');
          }
        });
      }
      client.on('connect', (connack) => {
        if (!this.#everConnected) {
          this.#everConnected = true;
          resolve(this);
          return;
        }
        this.#health?.reconnected(this);
        this.#logger.info({ pool: this.clientId, sessionPresent: connack.sessionPresent }, 'upstream pool: reconnected');
        if (!connack.sessionPresent) this.#resubscribeAll();
      });
      client.on('close', () => {
        if (!this.#everConnected) {
          // Startup: a broker that cannot be reached is reported, not retried silently.
          this.#closed = true;
          client.end(true);
          reject(
            new GatewayError('GW_ERR_UPSTREAM', `upstream pool: cannot connect ${this.clientId}: ${lastError?.message ?? 'connection closed'}`, {
              cause: lastError,
            }),
          );
          return;
        }
        if (!this.#closed) {
          this.#health?.lost(this, lastError?.message);
          this.#logger.info({ pool: this.clientId, err: lastError?.message }, 'upstream pool: connection lost');
        }
      });
      client.connect();
    });
  }

  #resubscribeAll(): void {
    const byQos = new Map<Qos, string[]>();
    for (const [filter, qos] of this.#filters) {
      const list = byQos.get(qos);
      if (list === undefined) byQos.set(qos, [filter]);
      else list.push(filter);
    }
    for (const [qos, filters] of byQos) {
      this.#client.subscribe(filters, { qos }, (error) => {
        if (error) this.#logger.warn({ pool: this.clientId, err: error.message }, 'upstream pool: resubscribe failed');
      });
    }
  }

  /** SUBSCRIBE `filter` (again): the broker replays retained messages (MQTT 3.1.1 §3.8.4). */
  subscribe(filter: string, qos: Qos, onAck: () => void): Promise<SubscribeResult> {
    // A repeated SUBSCRIBE the broker refuses leaves the existing subscription in place
    // (MQTT 3.1.1 §3.8.4 replaces a subscription only when it succeeds): other sessions
    // behind this filter keep receiving, and it is subscribed again after a reconnect.
    const previousQos = this.#filters.get(filter);
    this.#filters.set(filter, qos);
    this.#trie.add(filter);
    const hooks = this.#ackHooks.get(filter);
    if (hooks === undefined) this.#ackHooks.set(filter, [onAck]);
    else hooks.push(onAck);
    return this.#link.subscribe([filter], qos).then(
      ([result = 0x80]) => {
        this.#dropHook(filter, onAck);
        if (result === 0x80) this.#refused(filter, previousQos);
        return result;
      },
      (error: unknown) => {
        this.#dropHook(filter, onAck);
        if (previousQos !== undefined) this.#filters.set(filter, previousQos);
        throw error;
      },
    );
  }

  /** A hook still queued after its SUBSCRIBE settled never got its SUBACK read: it must not take a later one's. */
  #dropHook(filter: string, hook: () => void): void {
    const hooks = this.#ackHooks.get(filter);
    if (hooks === undefined) return;
    const index = hooks.indexOf(hook);
    if (index >= 0) hooks.splice(index, 1);
    if (hooks.length === 0) this.#ackHooks.delete(filter);
  }

  unsubscribe(filter: string): Promise<void> {
    this.#forget(filter);
    return this.#link.unsubscribe([filter]);
  }

  /** SUBACK 0x80: a first SUBSCRIBE leaves nothing behind; a repeated one keeps the subscription it had. */
  #refused(filter: string, previousQos: Qos | undefined): void {
    if (previousQos === undefined) this.#forget(filter);
    else this.#filters.set(filter, previousQos);
  }

  #forget(filter: string): void {
    this.#filters.delete(filter);
    this.#trie.delete(filter);
  }

  /** Resolves on PUBACK / PUBCOMP (QoS 1/2) or once written (QoS 0); see MqttLink. */
  publish(message: UpstreamMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new GatewayError('GW_ERR_CLOSED', 'upstream pool closed'));
    return this.#link.publish(message);
  }

  /** DISCONNECT (waiting up to disconnectQuiesce for in-flight publishes). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health?.forget(this);
    await this.#link.end();
    this.#link.failPending(new GatewayError('GW_ERR_CLOSED', 'upstream pool closed'));
  }
}
