import type { MqttClient } from 'mqtt';
import type { Qos } from '../config/types.js';
import { GatewayError, TimeoutError } from '../errors.js';
import type { SessionPolicy } from './client-options.js';
import type { DeadlineSweep } from './deadline-sweep.js';
import type { SubscribeResult, UpstreamMessage } from './types.js';

/** Publishes the broker did not take, per connector (memory stays bounded; these say how often). */
export interface PublishRefusals {
  /** Refused at once: broker unreachable and `messageChannelDepth` publishes already waiting. */
  offlineQueueFull: number;
  /** Not acknowledged within `writeTimeout` (still queued; may arrive later). */
  writeTimeout: number;
}

export function newPublishRefusals(): PublishRefusals {
  return { offlineQueueFull: 0, writeTimeout: 0 };
}

export interface MqttLinkOptions {
  readonly policy: SessionPolicy;
  /** Shared write-timeout deadlines (one timer for all links); undefined = no write timeout. */
  readonly writeDeadlines: DeadlineSweep | undefined;
  /** Identifies the link in errors (`{ clientId }` or `{ pool }`). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Counted here when given (shared by every link of a connector). */
  readonly refusals?: PublishRefusals | undefined;
}

interface PendingPublish {
  fail(error: Error): void;
}

/**
 * The paho-style rules of one MQTT.js connection, shared by a device's own
 * broker session (`MqttJsSession`) and a connection of the aggregating pool
 * (`PoolConnection`):
 *
 * - publish resolves on PUBACK / PUBCOMP (QoS 1/2) or once written (QoS 0);
 *   while the broker is unreachable at most `messageChannelDepth` publishes
 *   wait (further ones are refused at once: the device sees congestion, not a
 *   silent loss); `writeTimeout` rejects one not acknowledged in time (it
 *   stays queued in MQTT.js and may still arrive);
 * - (un)subscribe wait at most `waitTimeout` for SUBACK / UNSUBACK; a refused
 *   filter is 0x80, read from the SUBACK itself;
 * - a clean end sends DISCONNECT after in-flight publishes, waiting at most
 *   `disconnectQuiesce`, then drops the connection.
 */
export class MqttLink {
  readonly client: MqttClient;
  readonly #options: MqttLinkOptions;
  readonly #pending = new Set<PendingPublish>();

  constructor(client: MqttClient, options: MqttLinkOptions) {
    this.client = client;
    this.#options = options;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Publishes not yet acknowledged (or failed). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  publish(message: UpstreamMessage): Promise<void> {
    const { policy, writeDeadlines, details } = this.#options;
    const client = this.client;
    if (!client.connected && this.#pending.size >= policy.messageChannelDepth) {
      if (this.#options.refusals !== undefined) this.#options.refusals.offlineQueueFull += 1;
      return Promise.reject(
        new GatewayError('GW_ERR_UPSTREAM', 'upstream: broker unreachable and the offline queue is full', {
          details: { ...details, messageChannelDepth: policy.messageChannelDepth },
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const deadline = writeDeadlines?.add(() => {
        if (settled) return;
        settled = true;
        if (this.#options.refusals !== undefined) this.#options.refusals.writeTimeout += 1;
        // The message stays queued in MQTT.js (and the store) and may still be delivered later.
        reject(new TimeoutError('upstream: publish not acknowledged within writeTimeout', { ...details }));
      });
      const pending: PendingPublish = {
        fail: (error) => {
          if (settled) return;
          settled = true;
          deadline?.cancel();
          reject(error);
        },
      };
      this.#pending.add(pending);
      client.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain }, (error) => {
        this.#pending.delete(pending);
        if (settled) return;
        settled = true;
        deadline?.cancel();
        if (error === undefined || error === null) resolve();
        else reject(new GatewayError('GW_ERR_UPSTREAM', `upstream: publish failed: ${error.message}`, { cause: error }));
      });
    });
  }

  /** Rejects every publish still waiting (the session or connection is over). */
  failPending(reason: Error): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const entry of pending) entry.fail(reason);
  }

  /**
   * One SUBSCRIBE of `topics` at `qos`; the result per topic, in order. MQTT
   * 3.1.1 §3.9.3: 0x80 = failure; MQTT 5 reason codes >= 0x80 are failures too.
   */
  subscribe(topics: readonly string[], qos: Qos): Promise<SubscribeResult[]> {
    const subscribed = new Promise<SubscribeResult[]>((resolve, reject) => {
      this.client.subscribe([...topics], { qos }, (error, grants, suback) => {
        if (suback !== undefined && suback.granted.length === topics.length) {
          // MQTT.js fails the whole call when any filter was refused, and then hands back the
          // REQUESTED QoS in `grants`: the SUBACK says what the broker granted.
          resolve(topics.map((_topic, i) => resultOf(suback.granted[i])));
        } else if (error === null || error === undefined) {
          const byTopic = new Map((grants ?? []).map((grant) => [grant.topic, grant.qos]));
          resolve(topics.map((topic) => resultOf(byTopic.get(topic))));
        } else {
          reject(new GatewayError('GW_ERR_UPSTREAM', `upstream: subscribe failed: ${error.message}`, { cause: error }));
        }
      });
    });
    return this.#withinWaitTimeout(subscribed, 'SUBACK');
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    const unsubscribed = new Promise<void>((resolve, reject) => {
      this.client.unsubscribe([...topics], (error) => {
        if (error === null || error === undefined) resolve();
        else reject(new GatewayError('GW_ERR_UPSTREAM', `upstream: unsubscribe failed: ${error.message}`, { cause: error }));
      });
    });
    return this.#withinWaitTimeout(unsubscribed, 'UNSUBACK');
  }

  /** paho waitTimeout: a (un)subscribe not acknowledged within it rejects with TimeoutError. */
  async #withinWaitTimeout<T>(operation: Promise<T>, ack: string): Promise<T> {
    const ms = this.#options.policy.waitTimeoutMs;
    if (ms <= 0) return operation;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`upstream: no ${ack} within waitTimeout`, { ...this.#options.details })), ms);
    });
    operation.catch(() => undefined); // a late failure after the timeout is not unhandled
    try {
      return await Promise.race([operation, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * MQTT 3.1.1 §3.14: DISCONNECT once in-flight publishes are acknowledged (the
   * broker then discards the will), waiting at most `disconnectQuiesce`; after
   * that the connection is dropped. Not connected: stops reconnecting at once.
   */
  async end(): Promise<void> {
    const client = this.client;
    if (!client.connected) {
      await new Promise<void>((resolve) => client.end(true, () => resolve()));
      return;
    }
    await new Promise<void>((resolve) => {
      const quiesce = setTimeout(() => {
        // MQTT.js ignores a second end() while one is in progress: drop the socket itself.
        client.stream.destroy();
        resolve();
      }, this.#options.policy.disconnectQuiesceMs);
      quiesce.unref();
      client.end(false, () => {
        clearTimeout(quiesce);
        resolve();
      });
    });
  }
}

function resultOf(code: unknown): SubscribeResult {
  return typeof code !== 'number' || code >= 0x80 ? 0x80 : (code as Qos);
}
