import type { Logger } from '../log.js';

/**
 * Whether the gateway's connections to an external broker are up, and the
 * outage log: one warn line when the first connection drops (with the
 * reason), one per reconnect attempt of that connection (with the delay), and
 * one when the last one is back. Counters are plain fields for the metrics.
 * Connections are any objects (a session or a pool connection).
 */
export class UpstreamHealth {
  readonly #logger: Logger;
  readonly #offline = new Set<object>();
  /** The connection whose reconnect attempts are logged during an outage. */
  #lead: object | undefined;
  #since = 0;
  /** Connections that came back after a loss. */
  reconnects = 0;
  /** Losses of a connection (each connection counts). */
  losses = 0;
  /** Outages: times the link went from all-up to some-down. */
  outages = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** No connection is down. */
  get connected(): boolean {
    return this.#offline.size === 0;
  }

  get offlineConnections(): number {
    return this.#offline.size;
  }

  /** A connection dropped (idempotent until it reconnects). */
  lost(connection: object, reason: string | undefined): void {
    if (this.#offline.has(connection)) return;
    this.#offline.add(connection);
    this.losses += 1;
    if (this.#offline.size === 1) {
      this.#lead = connection;
      this.#since = Date.now();
      this.outages += 1;
      this.#logger.warn({ reason: reason ?? 'connection closed' }, 'broker connection lost');
    }
  }

  /** A reconnect attempt is scheduled in `delayMs`. */
  reconnecting(connection: object, delayMs: number, reason: string | undefined): void {
    this.lost(connection, reason);
    if (connection === this.#lead) this.#logger.warn({ delayMs, offline: this.#offline.size }, 'reconnecting to the broker');
  }

  reconnected(connection: object): void {
    if (!this.#offline.delete(connection)) return;
    this.reconnects += 1;
    this.#afterRemoval(connection, true);
  }

  /** The connection is gone for good (closed): it no longer counts as down. */
  forget(connection: object): void {
    if (this.#offline.delete(connection)) this.#afterRemoval(connection, false);
  }

  #afterRemoval(connection: object, back: boolean): void {
    if (this.#offline.size === 0) {
      this.#lead = undefined;
      if (back) this.#logger.warn({ downMs: Date.now() - this.#since }, 'broker connection restored');
      return;
    }
    if (connection === this.#lead) this.#lead = this.#offline.values().next().value;
  }
}
