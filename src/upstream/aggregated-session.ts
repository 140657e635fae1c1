import type { Qos } from '../config/types.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SubscribeResult, UpstreamMessage, UpstreamSession, UpstreamSessionEvents } from './types.js';

/**
 * The state the gateway keeps for one client id in aggregating mode: a plain
 * object, no connection. It outlives its live session when the session is
 * persistent (clean session false): subscriptions stay in the fan-out table
 * and QoS 1/2 messages queue until the client id is opened again.
 */
export interface SessionMember {
  readonly clientId: string;
  /** Filter -> granted QoS. */
  readonly subscriptions: Map<string, Qos>;
  /** Clean session false: state survives end(). */
  persistent: boolean;
  live: AggregatedSession | undefined;
  /** Parked only: QoS 1/2 messages waiting for the next open. */
  queue: UpstreamMessage[] | undefined;
  /** Parked only: Date.now() after which the state is discarded. */
  expiresAt: number;
  /** Stable route of its publishes (pooled mode: which connection), so one client's messages stay in order. */
  readonly route: number;
}

/** What a session asks of the connector that owns it. */
export interface SessionOwner {
  readonly logger: Logger;
  publish(member: SessionMember, message: UpstreamMessage): Promise<void>;
  subscribe(member: SessionMember, filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]>;
  unsubscribe(member: SessionMember, topics: readonly string[]): Promise<void>;
  /** The session ended normally (end()). */
  ended(session: AggregatedSession): void;
}

/**
 * The UpstreamSession handed to a protocol gateway in aggregating mode. It
 * holds no broker resources: publishes and subscriptions go through the
 * owner's shared table and broker path.
 */
export class AggregatedSession implements UpstreamSession {
  readonly sessionPresent: boolean;
  readonly member: SessionMember;
  readonly #owner: SessionOwner;
  readonly #events: UpstreamSessionEvents;
  /** Messages held until `open` resolved (and a resumed queue); undefined once flushed. */
  #early: UpstreamMessage[] | undefined;
  #closed = false;

  constructor(owner: SessionOwner, member: SessionMember, events: UpstreamSessionEvents, sessionPresent: boolean, backlog: UpstreamMessage[]) {
    this.#owner = owner;
    this.member = member;
    this.#events = events;
    this.sessionPresent = sessionPresent;
    this.#early = backlog;
    // The owner hears about messages only after open() resolved, like a broker after CONNACK.
    setImmediate(() => this.#flushEarly());
  }

  get closed(): boolean {
    return this.#closed;
  }

  publish(message: UpstreamMessage): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#owner.publish(this.member, message);
  }

  async subscribe(filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]> {
    if (this.#closed) throw this.#closedError();
    return this.#owner.subscribe(this.member, filters);
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    if (this.#closed) throw this.#closedError();
    return this.#owner.unsubscribe(this.member, topics);
  }

  /** Normal end: nothing is published (the gateway publishes wills itself). Idempotent. */
  async end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#owner.ended(this);
  }

  /** A message for this session (already at the granted QoS). */
  deliver(message: UpstreamMessage): void {
    if (this.#closed) return;
    if (this.#early !== undefined) {
      this.#early.push(message);
      return;
    }
    const logger = this.#owner.logger;
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ clientId: this.member.clientId, topic: message.topic, qos: message.qos }, 'message');
    }
    try {
      this.#events.onMessage(message);
    } catch (error) {
      logger.warn({ clientId: this.member.clientId, err: errorText(error) }, 'onMessage handler threw');
    }
  }

  /** Messages not yet handed to the owner (for re-queueing when a persistent session ends early). */
  takeUndelivered(): UpstreamMessage[] {
    const early = this.#early ?? [];
    this.#early = undefined;
    return early;
  }

  /** Ends the session without owner action (taken over, connector closed); the owner hears onClose. */
  closeWith(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#events.onClose?.(reason);
    } catch (error) {
      this.#owner.logger.warn({ clientId: this.member.clientId, err: errorText(error) }, 'onClose handler threw');
    }
  }

  #flushEarly(): void {
    const early = this.#early;
    this.#early = undefined;
    if (early === undefined || this.#closed) return;
    for (const message of early) this.deliver(message);
  }

  #closedError(): GatewayError {
    return new GatewayError('GW_ERR_CLOSED', 'upstream session closed', { details: { clientId: this.member.clientId } });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
