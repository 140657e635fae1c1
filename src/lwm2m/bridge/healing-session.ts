import type { Qos } from '../../config/types.js';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ReconnectBackoff } from '../../upstream/reconnect-backoff.js';
import type { SubscribeResult, UpstreamConnector, UpstreamMessage, UpstreamSession, UpstreamSessionOptions } from '../../upstream/types.js';

export interface HealingPolicy {
  /** Reconnect backoff cap (1 s doubling up to this): upstream.client.maxReconnectInterval. */
  readonly maxReconnectIntervalMs: number;
  /** Publishes held while no session is open; beyond it they fail: upstream.client.messageChannelDepth. */
  readonly offlineQueue: number;
}

export interface HealingStats {
  /** Times the broker session closed under the bridge. */
  lost: number;
  /** Times a new session was opened and the subscriptions restored. */
  restored: number;
  /** Publishes refused because the offline queue was full. */
  droppedOffline: number;
}

/** Filters per SUBSCRIBE when restoring (per-device filters of a large fleet would make one huge packet). */
const RESUBSCRIBE_BATCH = 1000;

interface HeldPublish {
  readonly message: UpstreamMessage;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The LwM2M bridge's one broker session, kept alive: when the session
 * closes for any reason (refused publish, broker restart, takeover), a new
 * one is opened with the same client id after a backoff (1 s doubling up to
 * the cap), every subscription is restored, and publishes held meanwhile go
 * out in order.
 *
 * The session is persistent (clean session off) under a client id fixed for
 * the process, so the broker keeps the subscriptions and queues QoS 1/2
 * commands while the bridge is away; they are delivered when it is back
 * (MQTT 3.1.1 §3.1.2.4). `end()` removes that session from the broker.
 */
export class HealingSession implements UpstreamSession {
  readonly #connector: UpstreamConnector;
  readonly #options: UpstreamSessionOptions;
  readonly #onMessage: (message: UpstreamMessage) => void;
  readonly #policy: HealingPolicy;
  readonly #logger: Logger;
  readonly #backoff: ReconnectBackoff;
  readonly #subscriptions = new Map<string, Qos>();
  readonly #held: HeldPublish[] = [];
  /** Inner sessions the broker closed (one may close while its subscriptions are being restored). */
  readonly #closedInner = new WeakSet<UpstreamSession>();
  #current: UpstreamSession | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lostAt = 0;
  #ended = false;
  readonly stats: HealingStats = { lost: 0, restored: 0, droppedOffline: 0 };

  private constructor(opts: {
    connector: UpstreamConnector;
    clientId: string;
    onMessage: (message: UpstreamMessage) => void;
    policy: HealingPolicy;
    logger: Logger;
  }) {
    this.#connector = opts.connector;
    this.#options = { clientId: opts.clientId, cleanSession: false, keepAliveSeconds: 60 };
    this.#onMessage = opts.onMessage;
    this.#policy = opts.policy;
    this.#logger = opts.logger;
    this.#backoff = new ReconnectBackoff(opts.policy.maxReconnectIntervalMs);
  }

  /** Opens the first session; rejects if the broker cannot be reached now (startup fails as before). */
  static async open(opts: {
    connector: UpstreamConnector;
    clientId: string;
    onMessage: (message: UpstreamMessage) => void;
    policy: HealingPolicy;
    logger: Logger;
  }): Promise<HealingSession> {
    const session = new HealingSession(opts);
    session.#current = await session.#openInner();
    return session;
  }

  get clientId(): string {
    return this.#options.clientId;
  }

  /** A session is open now. */
  get online(): boolean {
    return this.#current !== undefined;
  }

  get sessionPresent(): boolean {
    return this.#current?.sessionPresent ?? false;
  }

  publish(message: UpstreamMessage): Promise<void> {
    if (this.#ended) return Promise.reject(new GatewayError('GW_ERR_CLOSED', 'lwm2m: broker session ended'));
    const current = this.#current;
    if (current !== undefined) return current.publish(message);
    if (this.#held.length >= this.#policy.offlineQueue) {
      this.stats.droppedOffline += 1;
      return Promise.reject(new GatewayError('GW_ERR_UPSTREAM', 'lwm2m: broker session down and the offline queue is full'));
    }
    return new Promise((resolve, reject) => this.#held.push({ message, resolve, reject }));
  }

  async subscribe(filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]> {
    // Recorded first: if the session closes before the SUBACK, the filters are restored with the others.
    for (const f of filters) this.#subscriptions.set(f.topic, f.qos);
    const current = this.#current;
    if (current === undefined) return filters.map((f) => f.qos);
    const granted = await current.subscribe(filters);
    filters.forEach((f, i) => {
      if (granted[i] === 0x80) this.#subscriptions.delete(f.topic);
    });
    return granted;
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    for (const t of topics) this.#subscriptions.delete(t);
    await this.#current?.unsubscribe(topics);
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const held of this.#held.splice(0)) held.reject(new GatewayError('GW_ERR_CLOSED', 'lwm2m: broker session ended'));
    const current = this.#current;
    this.#current = undefined;
    if (current === undefined) return; // broker unreachable: nothing to clean up now
    await current.end();
    // A clean session with the same client id discards the persistent one on the broker.
    try {
      const clean = await this.#connector.open({ ...this.#options, cleanSession: true }, { onMessage: () => undefined });
      await clean.end();
    } catch (err) {
      this.#logger.debug({ err }, 'could not remove the persistent broker session');
    }
  }

  #openInner(): Promise<UpstreamSession> {
    let inner: UpstreamSession | undefined;
    const opening = this.#connector.open(this.#options, {
      onMessage: (message) => this.#onMessage(message),
      onClose: (reason) => {
        if (inner !== undefined) this.#onLost(inner, reason);
      },
    });
    return opening.then((session) => {
      inner = session;
      return session;
    });
  }

  #onLost(session: UpstreamSession, reason: Error | undefined): void {
    this.#closedInner.add(session);
    if (this.#ended || this.#current !== session) return;
    this.#current = undefined;
    this.stats.lost += 1;
    this.#lostAt = Date.now();
    this.#logger.warn({ err: reason, clientId: this.clientId }, 'broker session closed; reconnecting');
    this.#schedule();
  }

  #schedule(): void {
    if (this.#ended) return;
    const delayMs = this.#backoff.next();
    this.#timer = setTimeout(() => void this.#reconnect(), delayMs);
    this.#timer.unref();
  }

  async #reconnect(): Promise<void> {
    this.#timer = undefined;
    let session: UpstreamSession;
    try {
      session = await this.#openInner();
    } catch (err) {
      this.#logger.warn({ err, clientId: this.clientId }, 'broker session reconnect failed');
      this.#schedule();
      return;
    }
    this.#backoff.reset();
    // Subscriptions first, then the held publishes, in order, before any new one (#current still unset).
    const filters = [...this.#subscriptions].map(([topic, qos]) => ({ topic, qos }));
    try {
      // Per-device filters can be many: a bounded number per SUBSCRIBE packet.
      for (let i = 0; i < filters.length; i += RESUBSCRIBE_BATCH) await session.subscribe(filters.slice(i, i + RESUBSCRIBE_BATCH));
    } catch (err) {
      this.#logger.warn({ err, clientId: this.clientId }, 'restoring command subscriptions failed');
    }
    if (this.#ended) {
      await session.end();
      return;
    }
    if (this.#closedInner.has(session)) {
      this.#schedule();
      return;
    }
    this.#current = session;
    for (const held of this.#held.splice(0))
      session.publish(held.message).then(
        () => held.resolve(),
        (error: Error) => held.reject(error),
      );
    // Filters added while the subscriptions above were being restored.
    const sent = new Set(filters.map((f) => f.topic));
    const late = [...this.#subscriptions].filter(([topic]) => !sent.has(topic)).map(([topic, qos]) => ({ topic, qos }));
    if (late.length > 0) void this.subscribe(late).catch((err: unknown) => this.#logger.warn({ err }, 'command subscription failed'));
    this.stats.restored += 1;
    const offlineMs = Date.now() - this.#lostAt;
    if (session.sessionPresent) {
      this.#logger.info({ clientId: this.clientId, offlineMs, subscriptions: filters.length }, 'broker session restored; commands queued by the broker follow');
    } else {
      // The broker lost our session (e.g. restarted without persistence): what it received for us meanwhile is gone.
      this.#logger.warn(
        { clientId: this.clientId, offlineMs, subscriptions: filters.length },
        'broker session restored without its state: commands published while it was down were not kept by the broker',
      );
    }
  }
}
