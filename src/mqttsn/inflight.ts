import type { TopicRef } from './codec/types.js';
import type { DownlinkMessage } from './downlink-message.js';

/**
 * Where a downlink QoS 1/2 exchange stands (MQTT-SN v1.2 §6.12):
 * `puback` QoS 1 PUBLISH sent; `pubrec` QoS 2 PUBLISH sent; `pubcomp` PUBREL sent.
 */
export type InflightStage = 'puback' | 'pubrec' | 'pubcomp';

export interface InflightEntry {
  readonly msgId: number;
  readonly message: DownlinkMessage;
  readonly ref: TopicRef;
  stage: InflightStage;
  sentAt: number;
  /** Retransmissions done so far (§6.13 N_RETRY). */
  retries: number;
}

/** What a retransmission sweep asks the caller to do. */
export type RetryAction = { readonly kind: 'resend'; readonly entry: InflightEntry } | { readonly kind: 'exhausted'; readonly entry: InflightEntry };

/**
 * The downlink in-flight window of one client. Insertion order is send order,
 * so retransmissions keep the original order. Retransmission timing is the
 * §6.13 rule: every T_RETRY, at most N_RETRY times, then the client is lost.
 */
export class Inflight {
  readonly capacity: number;
  readonly #entries = new Map<number, InflightEntry>();

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  get size(): number {
    return this.#entries.size;
  }

  get full(): boolean {
    return this.#entries.size >= this.capacity;
  }

  has(msgId: number): boolean {
    return this.#entries.has(msgId);
  }

  get(msgId: number): InflightEntry | undefined {
    return this.#entries.get(msgId);
  }

  add(entry: InflightEntry): void {
    this.#entries.set(entry.msgId, entry);
  }

  delete(msgId: number): InflightEntry | undefined {
    const entry = this.#entries.get(msgId);
    if (entry !== undefined) this.#entries.delete(msgId);
    return entry;
  }

  entries(): IterableIterator<InflightEntry> {
    return this.#entries.values();
  }

  /** Earliest retransmission deadline, or undefined when empty. */
  nextDeadline(retryMs: number): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.#entries.values()) {
      const at = entry.sentAt + retryMs;
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  /**
   * Entries whose T_RETRY expired: `resend` (retries counted, sentAt reset)
   * or `exhausted` when N_RETRY retransmissions went unanswered.
   */
  due(now: number, retryMs: number, maxRetries: number): RetryAction[] {
    const actions: RetryAction[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.sentAt + retryMs > now) continue;
      if (entry.retries >= maxRetries) {
        actions.push({ kind: 'exhausted', entry });
        continue;
      }
      entry.retries += 1;
      entry.sentAt = now;
      actions.push({ kind: 'resend', entry });
    }
    return actions;
  }

  /** Empties the window and returns the messages in send order (for requeueing). */
  drain(): InflightEntry[] {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    return all;
  }
}
