import { type IConnackPacket, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import type { Qos } from '../config/types.js';
import { GatewayError, TimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import { isValidTopicFilter } from '../topics/topic-rules.js';
import type { SessionPolicy } from './client-options.js';
import type { DeadlineSweep } from './deadline-sweep.js';
import type { UpstreamHealth } from './link-health.js';
import { MqttLink, type PublishRefusals } from './mqtt-link.js';
import { attachReconnectBackoff } from './reconnect-backoff.js';
import type { SubscribeResult, UpstreamMessage, UpstreamSession, UpstreamSessionEvents } from './types.js';

/** MQTT 5 §3.14.2.1 DISCONNECT reason code "Session taken over". */
const REASON_SESSION_TAKEN_OVER = 0x8e;

/** What a session needs from its connector. */
export interface SessionContext {
  readonly logger: Logger;
  /** Network connection: reconnects with backoff (when configured) and logs lifecycle at info. */
  readonly external: boolean;
  /** Timeouts, reconnect backoff cap (undefined = a lost connection ends the session), offline bound. */
  readonly policy: SessionPolicy;
  /** Shared write-timeout deadlines (one timer for all sessions); undefined = no write timeout. */
  readonly writeDeadlines: DeadlineSweep | undefined;
  /** External broker: the outage log and link state shared by all sessions. */
  readonly health?: UpstreamHealth | undefined;
  /** Where refused publishes are counted (the connector's). */
  readonly refusals?: PublishRefusals | undefined;
  /** Called once when the session is over (ended, or closed by the broker). */
  readonly onFinished: (session: MqttJsSession) => void;
}

/**
 * One broker session carried by one MQTT.js client (transparent mode).
 *
 * Subscriptions are tracked here and restored after a reconnect when the
 * broker has no session (MQTT.js's own `resubscribe` skips a repeated
 * SUBSCRIBE of an already-subscribed filter, which must reach the broker so
 * that retained messages are sent again — MQTT 3.1.1 §3.8.4).
 */
export class MqttJsSession implements UpstreamSession {
  readonly #client: MqttClient;
  readonly #events: UpstreamSessionEvents;
  readonly #ctx: SessionContext;
  readonly #clientId: string;
  readonly #link: MqttLink;
  readonly #subscriptions = new Map<string, Qos>();
  #sessionPresent = false;
  /** Messages that arrived before `open` resolved; delivered right after. undefined once flushed. */
  #early: UpstreamMessage[] | undefined = [];
  #established = false;
  /** Connected now (between CONNACK and connection loss). */
  #online = false;
  #closed = false;
  #ending: Promise<void> | undefined;
  #lastError: Error | undefined;
  /** Set when the broker refused or replaced the session: the next close is final. */
  #fatal: Error | undefined;
  #pingTimer: NodeJS.Timeout | undefined;

  private constructor(client: MqttClient, events: UpstreamSessionEvents, ctx: SessionContext) {
    this.#client = client;
    this.#events = events;
    this.#ctx = ctx;
    this.#clientId = client.options.clientId ?? '';
    this.#link = new MqttLink(client, {
      policy: ctx.policy,
      writeDeadlines: ctx.writeDeadlines,
      details: { clientId: this.#clientId },
      refusals: ctx.refusals,
    });
  }

  /**
   * Connects `client` (created with `manualConnect: true`) and resolves once
   * the broker accepted the CONNECT; rejects with GatewayError
   * `GW_ERR_UPSTREAM` (details.returnCode for a CONNACK refusal) otherwise.
   */
  static open(client: MqttClient, events: UpstreamSessionEvents, ctx: SessionContext): Promise<MqttJsSession> {
    const session = new MqttJsSession(client, events, ctx);
    return session.#connect();
  }

  get sessionPresent(): boolean {
    return this.#sessionPresent;
  }

  get clientId(): string {
    return this.#clientId;
  }

  #connect(): Promise<MqttJsSession> {
    const client = this.#client;
    return new Promise((resolve, reject) => {
      client.on('error', (error) => this.#onError(error));
      client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet));
      client.on('disconnect', (packet) => {
        if (packet.reasonCode === REASON_SESSION_TAKEN_OVER) {
          this.#fatal = new GatewayError('GW_ERR_UPSTREAM', 'broker session taken over', {
            details: { clientId: this.#clientId },
          });
        }
      });
      if (this.#ctx.external && this.#ctx.policy.maxReconnectIntervalMs !== undefined) {
        attachReconnectBackoff(client, this.#ctx.policy.maxReconnectIntervalMs, (delayMs) => {
          if (this.#established && !this.#closed && this.#fatal === undefined) {
            this.#ctx.health?.reconnecting(this, delayMs, this.#lastError?.message);
            this.#ctx.logger.info({ clientId: this.#clientId, delayMs }, 'reconnecting');
          }
        });
      }
      if (this.#ctx.external && this.#ctx.policy.pingTimeoutMs > 0) this.#watchPings();
      client.on('connect', (packet) => {
        if (!this.#established) {
          this.#established = true;
          this.#online = true;
          this.#sessionPresent = packet.sessionPresent;
          this.#logLifecycle({ sessionPresent: packet.sessionPresent }, 'session connected');
          resolve(this);
          setImmediate(() => this.#flushEarly());
        } else {
          this.#onReconnected(packet);
        }
      });
      client.on('close', () => {
        this.#clearPingTimer();
        if (!this.#established) {
          this.#failOpen(reject);
        } else {
          this.#onConnectionClosed();
        }
      });
      client.connect();
    });
  }

  #failOpen(reject: (error: Error) => void): void {
    if (this.#closed) return;
    this.#closed = true;
    const cause = this.#lastError;
    const returnCode = connackCode(cause);
    stopClient(this.#client);
    this.#ctx.onFinished(this);
    reject(
      new GatewayError('GW_ERR_UPSTREAM', `upstream: cannot connect ${this.#clientId}: ${cause?.message ?? 'connection closed'}`, {
        cause,
        details: returnCode === undefined ? { clientId: this.#clientId } : { clientId: this.#clientId, returnCode },
      }),
    );
  }

  #onError(error: Error): void {
    this.#lastError = error;
    if (this.#established && connackCode(error) !== undefined) this.#fatal = error; // refused on reconnect
    this.#ctx.logger.debug({ clientId: this.#clientId, err: error.message }, 'connection error');
  }

  #onConnectionClosed(): void {
    if (this.#closed) return;
    const final = !this.#ctx.external || this.#ctx.policy.maxReconnectIntervalMs === undefined || this.#fatal !== undefined;
    if (!final) {
      // Logged once per outage; each failed attempt after it only logs its reconnect delay.
      if (this.#online) this.#logLifecycle({ err: this.#lastError?.message }, 'connection lost');
      this.#online = false;
      this.#ctx.health?.lost(this, this.#lastError?.message);
      return;
    }
    const reason =
      this.#fatal ??
      new GatewayError('GW_ERR_UPSTREAM', 'upstream: session closed by the broker', {
        cause: this.#lastError,
        details: { clientId: this.#clientId },
      });
    this.#logLifecycle({ reason: reason.message }, 'session lost');
    this.#finish(reason);
    stopClient(this.#client);
    this.#notifyClose(reason);
  }

  #onReconnected(packet: IConnackPacket): void {
    this.#online = true;
    this.#ctx.health?.reconnected(this);
    this.#logLifecycle({ sessionPresent: packet.sessionPresent }, 'session reconnected');
    if (packet.sessionPresent || this.#subscriptions.size === 0) return;
    // MQTT 3.1.1 §3.2.2.2: no session on the broker -> restore our subscriptions.
    const topics = [...this.#subscriptions.entries()].map(([topic, qos]) => ({ topic, qos }));
    this.#sendSubscribe(topics).catch((error: unknown) => {
      this.#ctx.logger.warn({ clientId: this.#clientId, err: errorText(error) }, 'resubscribe failed');
    });
  }

  #onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const message: UpstreamMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
    if (this.#early !== undefined) {
      this.#early.push(message);
      return;
    }
    this.#deliver(message);
  }

  #flushEarly(): void {
    const early = this.#early;
    this.#early = undefined;
    if (early === undefined || this.#closed) return;
    for (const message of early) this.#deliver(message);
  }

  #deliver(message: UpstreamMessage): void {
    if (this.#closed) return;
    const logger = this.#ctx.logger;
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ clientId: this.#clientId, topic: message.topic, qos: message.qos }, 'message');
    }
    try {
      this.#events.onMessage(message);
    } catch (error) {
      this.#ctx.logger.warn({ clientId: this.#clientId, err: errorText(error) }, 'onMessage handler threw');
    }
  }

  #notifyClose(reason: Error | undefined): void {
    try {
      this.#events.onClose?.(reason);
    } catch (error) {
      this.#ctx.logger.warn({ clientId: this.#clientId, err: errorText(error) }, 'onClose handler threw');
    }
  }

  // ------------------------------------------------------------- operations

  publish(message: UpstreamMessage): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const logger = this.#ctx.logger;
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ clientId: this.#clientId, topic: message.topic, qos: message.qos }, 'publish');
    }
    return this.#link.publish(message);
  }

  async subscribe(filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]> {
    if (this.#closed) throw this.#closedError();
    const results: SubscribeResult[] = filters.map(() => 0x80);
    const valid = filters.filter((f) => isValidTopicFilter(f.topic));
    const granted = await this.#sendSubscribe(valid);
    filters.forEach((filter, index) => {
      const grant = granted.get(`${filter.qos}|${filter.topic}`);
      if (grant === undefined) return;
      results[index] = grant;
      if (grant !== 0x80) this.#subscriptions.set(filter.topic, filter.qos);
    });
    return results;
  }

  /** SUBSCRIBE in one request per QoS (MQTT.js takes one QoS per array); result keyed `qos|topic`. */
  async #sendSubscribe(filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<Map<string, SubscribeResult>> {
    const byQos = new Map<Qos, string[]>();
    for (const { topic, qos } of filters) {
      const topics = byQos.get(qos);
      if (topics === undefined) byQos.set(qos, [topic]);
      else if (!topics.includes(topic)) topics.push(topic);
    }
    const granted = new Map<string, SubscribeResult>();
    await Promise.all(
      [...byQos.entries()].map(async ([qos, topics]) => {
        const results = await this.#link.subscribe(topics, qos);
        topics.forEach((topic, i) => granted.set(`${qos}|${topic}`, results[i] ?? 0x80));
      }),
    );
    return granted;
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    if (this.#closed) throw this.#closedError();
    const valid = topics.filter(isValidTopicFilter);
    for (const topic of valid) this.#subscriptions.delete(topic);
    if (valid.length === 0) return;
    await this.#link.unsubscribe(valid);
  }

  end(): Promise<void> {
    this.#ending ??= this.#end();
    return this.#ending;
  }

  async #end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#link.end();
    this.#logLifecycle({}, 'session ended');
    this.#finish(this.#closedError());
  }

  /**
   * Drops the connection without DISCONNECT, as a gateway crash would: the
   * broker publishes the will registered at CONNECT. The session is over.
   */
  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.stream.destroy();
    stopClient(this.#client);
    this.#finish(this.#closedError());
  }

  /**
   * A new session with this client id is being opened through the same
   * connector: the broker will take this one over (MQTT 3.1.1 §3.1.4: it
   * disconnects the existing client). Brokers speaking 3.1.1 (and some 5.0
   * ones) just close the connection, which looks like a lost link; marking
   * the session makes that close final, so it does not reconnect and kick
   * the new one out in turn. A session that is offline right now ends at
   * once. Returns an undo for when the new session could not connect.
   */
  supersede(): () => void {
    if (this.#closed) return () => undefined;
    const reason = new GatewayError('GW_ERR_UPSTREAM', 'broker session taken over by a new connection', {
      details: { clientId: this.#clientId },
    });
    if (!this.#client.connected) {
      this.#logLifecycle({}, 'offline session replaced');
      this.#finish(reason);
      stopClient(this.#client);
      this.#notifyClose(reason);
      return () => undefined;
    }
    const previous = this.#fatal;
    this.#fatal ??= reason;
    return () => {
      if (this.#fatal === reason) this.#fatal = previous;
    };
  }

  /** Ends the session because the connector closes; the owner is told through onClose. */
  async closeByConnector(): Promise<void> {
    const wasOpen = !this.#closed;
    await this.end();
    if (wasOpen) this.#notifyClose(new GatewayError('GW_ERR_CLOSED', 'upstream connector closed'));
  }

  #finish(reason: Error): void {
    this.#closed = true;
    this.#ctx.health?.forget(this);
    this.#clearPingTimer();
    this.#link.failPending(reason);
    this.#early = undefined;
    this.#ctx.onFinished(this);
  }

  #closedError(): GatewayError {
    return new GatewayError('GW_ERR_CLOSED', 'upstream session closed', { details: { clientId: this.#clientId } });
  }

  // ------------------------------------------------------------ ping timeout

  /** paho pingTimeout: no PINGRESP (or any packet) within it after PINGREQ -> drop and reconnect. */
  #watchPings(): void {
    const client = this.#client;
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'pingreq') return;
      this.#clearPingTimer();
      this.#pingTimer = setTimeout(() => {
        this.#pingTimer = undefined;
        this.#lastError = new TimeoutError('upstream: no PINGRESP within pingTimeout');
        client.stream.destroy();
      }, this.#ctx.policy.pingTimeoutMs);
      this.#pingTimer.unref();
    });
    client.on('packetreceive', () => this.#clearPingTimer());
  }

  #clearPingTimer(): void {
    if (this.#pingTimer !== undefined) clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  #logLifecycle(fields: Record<string, unknown>, message: string): void {
    // Network sessions are lifecycle events of the gateway; in-process ones mirror the device's own (debug).
    const entry = { clientId: this.#clientId, ...fields };
    if (this.#ctx.external) this.#ctx.logger.info(entry, message);
    else this.#ctx.logger.debug(entry, message);
  }
}

/** Stops an MQTT.js client for good (no reconnect), without waiting. */
function stopClient(client: MqttClient): void {
  if (!client.disconnecting) client.end(true);
}

/** The CONNACK return / reason code of a refusal error emitted by MQTT.js, if it is one. */
function connackCode(error: Error | undefined): number | undefined {
  if (error === undefined || !error.message.startsWith('Connection refused')) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
