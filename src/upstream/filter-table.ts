import type { Qos } from '../config/types.js';
import type { SessionMember } from './aggregated-session.js';

/** One distinct filter of the aggregating mode and the sessions behind it. */
export interface FilterEntry {
  readonly members: Set<SessionMember>;
  /**
   * Pooled mode: the session whose SUBSCRIBE was acknowledged last, and until
   * when RETAIN=1 messages on this filter are its retained replay.
   */
  awaitingRetained: { readonly member: SessionMember; readonly until: number } | undefined;
  /** Subscribed on the broker now, at `brokerQos` (the broker's grant). */
  active: boolean;
  brokerQos: Qos;
  /** Highest QoS any session asked for while the filter was active (never lowered: no downgrade SUBSCRIBE). */
  wanted: Qos;
  /** Broker operations on this filter, one after the other; undefined when idle. */
  chain: Promise<unknown> | undefined;
}

/**
 * The aggregating mode's subscription table: one entry per distinct filter
 * (one broker subscription, whatever the number of sessions behind it), and
 * who receives a broker message that matched some of them.
 */
export class FilterTable {
  readonly #entries = new Map<string, FilterEntry>();

  get size(): number {
    return this.#entries.size;
  }

  get(filter: string): FilterEntry | undefined {
    return this.#entries.get(filter);
  }

  /** The entry of `filter`, created (inactive, no members) when missing. */
  entry(filter: string): FilterEntry {
    let entry = this.#entries.get(filter);
    if (entry === undefined) {
      entry = { members: new Set(), awaitingRetained: undefined, active: false, brokerQos: 0, wanted: 0, chain: undefined };
      this.#entries.set(filter, entry);
    }
    return entry;
  }

  /** Removes `filter` if `entry` is still its entry. */
  remove(filter: string, entry: FilterEntry): void {
    if (this.#entries.get(filter) === entry) this.#entries.delete(filter);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * The sessions subscribed to any of `filters`, each once at its highest
   * grant among them (MQTT 3.1.1 §3.3.5).
   */
  recipients(filters: readonly string[]): Map<SessionMember, Qos> {
    const best = new Map<SessionMember, Qos>();
    for (const filter of filters) {
      const entry = this.#entries.get(filter);
      if (entry === undefined) continue;
      for (const member of entry.members) {
        const granted = member.subscriptions.get(filter);
        if (granted === undefined) continue;
        const known = best.get(member);
        if (known === undefined || granted > known) best.set(member, granted);
      }
    }
    return best;
  }

  /**
   * Pooled mode: a RETAIN=1 message answers the last acknowledged SUBSCRIBE of
   * a filter, so only that subscriber gets it (within its window, at `now`).
   */
  retainedReplayRecipients(filters: readonly string[], now: number): Map<SessionMember, Qos> {
    const best = new Map<SessionMember, Qos>();
    for (const filter of filters) {
      const entry = this.#entries.get(filter);
      const awaiting = entry?.awaitingRetained;
      if (entry === undefined || awaiting === undefined) continue;
      if (awaiting.until < now) {
        entry.awaitingRetained = undefined;
        continue;
      }
      const granted = awaiting.member.subscriptions.get(filter);
      if (granted === undefined) continue;
      const known = best.get(awaiting.member);
      if (known === undefined || granted > known) best.set(awaiting.member, granted);
    }
    return best;
  }
}
