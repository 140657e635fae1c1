import type { Qos } from '../config/types.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BindAddress } from '../transport/bind.js';
import type { PublishRefusals } from './mqtt-link.js';
import type { UpstreamHealth } from './link-health.js';
import { AggregatedSession, type SessionMember, type SessionOwner } from './aggregated-session.js';
import { FilterTable, type FilterEntry } from './filter-table.js';
import { ParkedSessions } from './parked-sessions.js';
import { isValidTopicFilter, isValidTopicName } from '../topics/topic-rules.js';
import type { SubscribeResult, UpstreamConnector, UpstreamMessage, UpstreamSession, UpstreamSessionEvents, UpstreamSessionOptions } from './types.js';

/** Pooled mode: how long after SUBACK a retained replay (RETAIN=1) is still routed to the new subscriber. */
const RETAINED_REPLAY_WINDOW_MS = 2000;

/**
 * The broker side of the aggregating mode: one subscription per distinct
 * filter, whatever the number of sessions behind it.
 */
export interface FanOutBackend {
  /** Receive messages matching `filter` at up to `qos`; resolves with the broker's grant (0x80 = refused). */
  /**
   * `onAck` runs synchronously when the broker's SUBACK is handled, before any
   * later packet of that connection (retained replays follow the SUBACK).
   */
  subscribeFilter(filter: string, qos: Qos, first: boolean, onAck: () => void): Promise<SubscribeResult>;
  /** Stop receiving `filter` (its last session left). */
  unsubscribeFilter(filter: string): Promise<void>;
  publish(message: UpstreamMessage, route: number): Promise<void>;
  /**
   * Direct mode: the retained messages matching `filter`, read from the
   * broker's store. Pooled mode leaves it out: the broker sends them
   * (RETAIN=1) after the SUBSCRIBE and the table routes them to the newcomer.
   */
  readRetained?(filter: string): AsyncIterable<UpstreamMessage>;
  close(): Promise<void>;
}

/** Where the backend hands broker messages: the filters they matched (on that path). */
export interface FanOutSink {
  deliver(filters: readonly string[], message: UpstreamMessage): void;
}

export interface AggregatingConnectorOptions {
  readonly description: string;
  /** `direct`: in-process calls into the embedded broker; `pool`: shared connections to an external broker. */
  readonly path: 'direct' | 'pool';
  /** The embedded broker's TCP address, when there is one. */
  readonly embeddedAddress: () => BindAddress | undefined;
  /** Pool: where its connections count refused publishes. */
  readonly publishRefusals?: PublishRefusals | undefined;
  /** Pool: the outage log and link state shared by its connections. */
  readonly health?: UpstreamHealth | undefined;
  readonly backend: (sink: FanOutSink) => FanOutBackend;
  readonly logger: Logger;
  readonly parkedQueueLimit?: number | undefined;
  readonly parkedSessionExpiryMs?: number | undefined;
  /** Pooled: a repeated SUBSCRIBE goes to the broker so it replays retained messages (MQTT 3.1.1 §3.8.4). */
  readonly resubscribeForRetained: boolean;
  /** How publishes are routed: number of routes (pool size); 1 = one path. */
  readonly routes: number;
}

/**
 * Aggregating mode core: every session of the gateway is a plain
 * {@link SessionMember} in one table. The broker sees one subscription per
 * distinct filter (refcounted here); each broker message is fanned out to the
 * sessions subscribed to the matching filters at min(message QoS, granted
 * QoS), once per session. Persistent sessions (clean session false) keep
 * their subscriptions after end() and queue QoS 1/2 messages (bounded, drop
 * oldest) until reopened, discarded by a clean open, `discard()` or expiry.
 * Wills: there is no broker connection per session, so nothing is registered
 * with the broker; the gateway publishes the current will itself when it
 * declares a device lost. A process crash therefore publishes no will.
 */
export class AggregatingConnector implements UpstreamConnector, SessionOwner, FanOutSink {
  readonly description: string;
  readonly path: 'direct' | 'pool';
  readonly publishRefusals: PublishRefusals | undefined;
  readonly health: UpstreamHealth | undefined;
  readonly #embeddedAddress: () => BindAddress | undefined;
  readonly logger: Logger;
  readonly #backend: FanOutBackend;
  readonly #members = new Map<string, SessionMember>();
  readonly #filters = new FilterTable();
  readonly #parked: ParkedSessions;
  readonly #resubscribeForRetained: boolean;
  readonly #routes: number;
  #closing: Promise<void> | undefined;

  constructor(options: AggregatingConnectorOptions) {
    this.description = options.description;
    this.path = options.path;
    this.publishRefusals = options.publishRefusals;
    this.health = options.health;
    this.#embeddedAddress = options.embeddedAddress;
    this.logger = options.logger;
    this.#parked = new ParkedSessions({
      logger: options.logger,
      queueLimit: options.parkedQueueLimit,
      expiryMs: options.parkedSessionExpiryMs,
      onExpired: (member) => this.#discardMember(member),
    });
    this.#resubscribeForRetained = options.resubscribeForRetained;
    this.#routes = Math.max(1, options.routes);
    this.#backend = options.backend(this);
  }

  get embeddedAddress(): BindAddress | undefined {
    return this.#embeddedAddress();
  }

  /** Live sessions. */
  get sessionCount(): number {
    let count = 0;
    for (const member of this.#members.values()) if (member.live !== undefined) count += 1;
    return count;
  }

  /** Persistent sessions waiting to be reopened. */
  get parkedCount(): number {
    return this.#parked.size;
  }

  /** Distinct filters subscribed on the broker side. */
  get filterCount(): number {
    return this.#filters.size;
  }

  /** Messages dropped from full parked queues since start. */
  get droppedCount(): number {
    return this.#parked.droppedCount;
  }

  // ------------------------------------------------------------ sessions

  async open(options: UpstreamSessionOptions, events: UpstreamSessionEvents): Promise<UpstreamSession> {
    if (this.#closing !== undefined) throw new GatewayError('GW_ERR_CLOSED', 'upstream connector closed');
    let member = this.#members.get(options.clientId);
    const older = member?.live;
    if (member !== undefined && older !== undefined) {
      // MQTT 3.1.1 §3.1.4 step 2: the new connection takes the client id over.
      member.live = undefined;
      const backlog = older.takeUndelivered();
      if (member.persistent) member.queue = backlog.filter((m) => m.qos > 0);
      older.closeWith(new GatewayError('GW_ERR_UPSTREAM', 'broker session taken over by a new connection', { details: { clientId: options.clientId } }));
    }
    // MQTT 3.1.1 §3.1.2.4: clean session 1 discards any state; 0 resumes it when there is one.
    if (member !== undefined && (options.cleanSession || !member.persistent)) {
      this.#discardMember(member);
      member = undefined;
    }
    const sessionPresent = member !== undefined;
    if (member === undefined) {
      member = {
        clientId: options.clientId,
        subscriptions: new Map(),
        persistent: false,
        live: undefined,
        queue: undefined,
        expiresAt: 0,
        route: routeOf(options.clientId, this.#routes),
      };
      this.#members.set(options.clientId, member);
    }
    member.persistent = !options.cleanSession;
    const backlog = this.#parked.unpark(member);
    const session = new AggregatedSession(this, member, events, sessionPresent, backlog);
    member.live = session;
    this.logger.debug({ clientId: options.clientId, sessionPresent, queued: backlog.length }, 'session opened');
    return session;
  }

  ended(session: AggregatedSession): void {
    const member = session.member;
    if (member.live !== session) return;
    member.live = undefined;
    if (!member.persistent) {
      this.#discardMember(member);
      return;
    }
    this.#parked.park(member, session.takeUndelivered());
    this.logger.debug({ clientId: member.clientId }, 'persistent session parked');
  }

  /** Drops the state of `clientId` (live session ends with onClose, parked state is discarded). */
  discard(clientId: string): void {
    const member = this.#members.get(clientId);
    if (member === undefined) return;
    const live = member.live;
    member.live = undefined;
    live?.closeWith(new GatewayError('GW_ERR_CLOSED', 'upstream session discarded', { details: { clientId } }));
    this.#discardMember(member);
  }

  #discardMember(member: SessionMember): void {
    this.#parked.unpark(member);
    if (this.#members.get(member.clientId) === member) this.#members.delete(member.clientId);
    const filters = [...member.subscriptions.keys()];
    member.subscriptions.clear();
    for (const filter of filters) void this.#leave(member, filter); // never rejects
  }

  // ---------------------------------------------------------- operations

  publish(member: SessionMember, message: UpstreamMessage): Promise<void> {
    if (!isValidTopicName(message.topic)) {
      return Promise.reject(new GatewayError('GW_ERR_UPSTREAM', 'upstream: invalid topic name for PUBLISH', { details: { clientId: member.clientId } }));
    }
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ clientId: member.clientId, topic: message.topic, qos: message.qos }, 'publish');
    }
    return this.#backend.publish(message, member.route);
  }

  async subscribe(member: SessionMember, filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]> {
    const results = await Promise.all(filters.map((f) => this.#subscribeOne(member, f.topic, f.qos)));
    const readRetained = this.#backend.readRetained?.bind(this.#backend);
    if (readRetained !== undefined) {
      const granted = filters.flatMap((f, i) => (results[i] === 0x80 ? [] : [f.topic]));
      // MQTT 3.1.1 §3.3.1.3: retained messages follow the SUBACK, with RETAIN set.
      if (granted.length > 0) setImmediate(() => void this.#replayRetained(member, granted, readRetained));
    }
    return results;
  }

  async #subscribeOne(member: SessionMember, filter: string, qos: Qos): Promise<SubscribeResult> {
    if (!isValidTopicFilter(filter)) return 0x80;
    const entry = this.#filters.entry(filter);
    // Deliveries start at the requested QoS right away (messages may follow the SUBACK in the same read).
    const previous = member.subscriptions.get(filter);
    member.subscriptions.set(filter, qos);
    entry.members.add(member);
    if (qos > entry.wanted) entry.wanted = qos;
    const current = entry;
    const onAck = (): void => {
      // The replay that follows this SUBACK is this session's (the previous subscriber's window closes).
      if (this.#resubscribeForRetained) current.awaitingRetained = { member, until: Date.now() + RETAINED_REPLAY_WINDOW_MS };
    };
    const grant = await this.#onFilter<SubscribeResult>(current, async () => {
      const needed = current.wanted;
      if (current.active && !this.#resubscribeForRetained && needed <= current.brokerQos) return current.brokerQos;
      const result = await this.#backend.subscribeFilter(filter, needed, !current.active, onAck);
      if (result !== 0x80) {
        current.active = true;
        current.brokerQos = result;
      }
      return result;
    }).catch((error: unknown) => {
      this.logger.warn({ clientId: member.clientId, filter, err: errorText(error) }, 'subscribe failed');
      return 0x80 as const;
    });
    if (grant === 0x80 || member.subscriptions.get(filter) === undefined) {
      if (previous !== undefined && grant === 0x80 && current.active) {
        member.subscriptions.set(filter, previous); // the older subscription stays
        return 0x80;
      }
      member.subscriptions.delete(filter);
      void this.#leave(member, filter); // never rejects
      return 0x80;
    }
    const granted = Math.min(qos, grant) as Qos;
    member.subscriptions.set(filter, granted);
    return granted;
  }

  async unsubscribe(member: SessionMember, topics: readonly string[]): Promise<void> {
    const leaving: Promise<unknown>[] = [];
    for (const filter of topics) {
      if (!member.subscriptions.delete(filter)) continue;
      leaving.push(this.#leave(member, filter));
    }
    await Promise.all(leaving);
  }

  /** Removes `member` from `filter`'s fan-out; the broker subscription goes with the last member. */
  #leave(member: SessionMember, filter: string): Promise<unknown> {
    const entry = this.#filters.get(filter);
    if (entry === undefined) return Promise.resolve();
    entry.members.delete(member);
    if (entry.awaitingRetained?.member === member) entry.awaitingRetained = undefined;
    if (entry.members.size > 0) return Promise.resolve();
    return this.#onFilter(entry, async () => {
      if (entry.members.size > 0 || !entry.active) return;
      entry.active = false;
      entry.wanted = 0;
      await this.#backend.unsubscribeFilter(filter);
    }).then(
      () => {
        if (entry.members.size === 0 && !entry.active) this.#filters.remove(filter, entry);
      },
      (error: unknown) => this.logger.debug({ filter, err: errorText(error) }, 'unsubscribe failed'),
    );
  }

  #onFilter<T>(entry: FilterEntry, operation: () => Promise<T>): Promise<T> {
    const run = entry.chain === undefined ? operation() : entry.chain.then(operation, operation);
    const chain: Promise<unknown> = run.then(
      () => {
        if (entry.chain === chain) entry.chain = undefined; // idle: hold no promise per filter
      },
      () => {
        if (entry.chain === chain) entry.chain = undefined;
      },
    );
    entry.chain = chain;
    return run;
  }

  async #replayRetained(member: SessionMember, filters: readonly string[], read: (filter: string) => AsyncIterable<UpstreamMessage>): Promise<void> {
    try {
      for (const filter of filters) {
        for await (const retained of read(filter)) {
          const granted = member.subscriptions.get(filter);
          if (granted === undefined) break;
          this.#deliverTo(member, { ...retained, qos: Math.min(retained.qos, granted) as Qos, retain: true });
        }
      }
    } catch (error) {
      this.logger.warn({ clientId: member.clientId, err: errorText(error) }, 'reading retained messages failed');
    }
  }

  // ------------------------------------------------------------- fan-out

  deliver(filters: readonly string[], message: UpstreamMessage): void {
    if (message.retain && this.#resubscribeForRetained) {
      for (const [member, granted] of this.#filters.retainedReplayRecipients(filters, Date.now())) {
        this.#deliverTo(member, atQos(message, granted, true));
      }
      return;
    }
    if (filters.length === 1) {
      const filter = filters[0];
      const entry = this.#filters.get(filter);
      if (entry === undefined) return;
      for (const member of entry.members) {
        const granted = member.subscriptions.get(filter);
        if (granted !== undefined) this.#deliverTo(member, atQos(message, granted, false));
      }
      return;
    }
    for (const [member, granted] of this.#filters.recipients(filters)) this.#deliverTo(member, atQos(message, granted, false));
  }

  #deliverTo(member: SessionMember, message: UpstreamMessage): void {
    const live = member.live;
    if (live !== undefined) {
      live.deliver(message);
      return;
    }
    // MQTT 3.1.1 §3.1.2.4: QoS 1/2 messages are kept for a disconnected persistent session; QoS 0 is not.
    this.#parked.enqueue(member, message);
  }

  // --------------------------------------------------------------- close

  /** Ends every live session (owners hear GW_ERR_CLOSED), forgets parked ones, closes the broker path. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const reason = new GatewayError('GW_ERR_CLOSED', 'upstream connector closed');
    for (const member of this.#members.values()) {
      const live = member.live;
      member.live = undefined;
      live?.closeWith(reason);
    }
    this.#members.clear();
    this.#parked.clear();
    this.#filters.clear();
    await this.#backend.close();
    this.logger.info({ upstream: this.description }, 'upstream connector closed');
  }
}

function atQos(message: UpstreamMessage, granted: Qos, retain: boolean): UpstreamMessage {
  const qos = message.qos < granted ? message.qos : granted;
  if (qos === message.qos && retain === message.retain) return message;
  return { topic: message.topic, payload: message.payload, qos, retain };
}

/** FNV-1a of the client id, modulo `routes`: a stable publish path per client. */
function routeOf(clientId: string, routes: number): number {
  if (routes <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < clientId.length; i += 1) {
    hash ^= clientId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % routes;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
