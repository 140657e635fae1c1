import type { Logger } from '../log.js';
import type { SessionMember } from './aggregated-session.js';
import type { UpstreamMessage } from './types.js';

/** QoS 1/2 messages kept per parked persistent session; beyond it the oldest is dropped (counted, logged). */
export const DEFAULT_PARKED_QUEUE_LIMIT = 1000;
/** A parked persistent session not reopened within this is discarded. */
export const DEFAULT_PARKED_SESSION_EXPIRY_MS = 2 * 60 * 60 * 1000;

export interface ParkedSessionsOptions {
  readonly logger: Logger;
  readonly queueLimit?: number | undefined;
  readonly expiryMs?: number | undefined;
  /** Called for a parked session whose expiry passed: the owner drops its state. */
  readonly onExpired: (member: SessionMember) => void;
}

/**
 * Persistent sessions (clean session false) whose device is gone, in
 * aggregating mode: their QoS 1/2 messages are queued (MQTT 3.1.1 §3.1.2.4;
 * QoS 0 is not), at most `queueLimit` each with the oldest dropped beyond it,
 * until the client id is opened again or `expiryMs` passed. One sweep timer
 * serves every parked session.
 */
export class ParkedSessions {
  readonly #logger: Logger;
  readonly #queueLimit: number;
  readonly #expiryMs: number;
  readonly #onExpired: (member: SessionMember) => void;
  readonly #parked = new Set<SessionMember>();
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;

  constructor(options: ParkedSessionsOptions) {
    this.#logger = options.logger;
    this.#queueLimit = Math.max(0, options.queueLimit ?? DEFAULT_PARKED_QUEUE_LIMIT);
    this.#expiryMs = Math.max(1, options.expiryMs ?? DEFAULT_PARKED_SESSION_EXPIRY_MS);
    this.#onExpired = options.onExpired;
  }

  get size(): number {
    return this.#parked.size;
  }

  /** Messages dropped from full queues since start. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** The session ended: keep its undelivered QoS 1/2 messages and start its expiry. */
  park(member: SessionMember, undelivered: readonly UpstreamMessage[]): void {
    member.queue = undelivered.filter((m) => m.qos > 0);
    member.expiresAt = Date.now() + this.#expiryMs;
    this.#parked.add(member);
    this.#startSweep();
  }

  /** Reopened or discarded: no longer parked; returns its queue. */
  unpark(member: SessionMember): UpstreamMessage[] {
    const queue = member.queue ?? [];
    member.queue = undefined;
    this.#parked.delete(member);
    return queue;
  }

  /** A message for a member without a live session: queued when it is parked (QoS 1/2). */
  enqueue(member: SessionMember, message: UpstreamMessage): void {
    const queue = member.queue;
    if (queue === undefined || message.qos === 0 || this.#queueLimit === 0) return;
    if (queue.length >= this.#queueLimit) {
      queue.shift();
      this.#dropped += 1;
      this.#logger.debug({ clientId: member.clientId, limit: this.#queueLimit }, 'parked queue full, oldest message dropped');
    }
    queue.push(message);
  }

  clear(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#parked.clear();
  }

  #startSweep(): void {
    if (this.#timer !== undefined) return;
    const tick = Math.min(60_000, Math.max(10, Math.floor(this.#expiryMs / 4)));
    this.#timer = setInterval(() => this.#sweep(), tick);
    this.#timer.unref();
  }

  #sweep(): void {
    const now = Date.now();
    for (const member of this.#parked) {
      if (member.expiresAt > now) continue;
      this.#logger.debug({ clientId: member.clientId, queued: member.queue?.length ?? 0 }, 'parked session expired');
      this.#onExpired(member);
      this.#parked.delete(member);
    }
    if (this.#parked.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
