import { COMMAND_TYPES } from '../lwm2m/bridge/command.js';

/** Upper bounds, seconds: CoAP exchanges last from milliseconds to EXCHANGE_LIFETIME (RFC 7252 §4.8.2). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

export type CommandOutcome = 'answered' | 'timeout' | 'reset';
export const COMMAND_OUTCOMES: readonly CommandOutcome[] = ['answered', 'timeout', 'reset'];

/** One msgType's histogram: plain numbers, turned into Prometheus series at scrape time. */
export interface LatencySeries {
  readonly buckets: Float64Array;
  sum: number;
  count: number;
  readonly outcomes: Record<CommandOutcome, number>;
}

/**
 * LwM2M command latency per msgType (request sent -> final answer), kept as
 * plain counters: the per-command cost is a few additions, and the metrics
 * layer reads them when scraped.
 */
export class CommandLatency {
  readonly series = new Map<string, LatencySeries>();

  constructor() {
    for (const type of COMMAND_TYPES) this.#of(type);
  }

  observe(msgType: string, seconds: number, outcome: CommandOutcome): void {
    const s = this.#of(msgType);
    s.outcomes[outcome] += 1;
    s.sum += seconds;
    s.count += 1;
    for (let i = 0; i < LATENCY_BUCKETS.length; i += 1) {
      if (seconds <= (LATENCY_BUCKETS[i] as number)) {
        s.buckets[i] = s.buckets[i] + 1;
        break;
      }
    }
  }

  /** A command that ended without being sent (dropped from the queue). */
  count(msgType: string, outcome: CommandOutcome): void {
    this.#of(msgType).outcomes[outcome] += 1;
  }

  #of(msgType: string): LatencySeries {
    let s = this.series.get(msgType);
    if (s === undefined) {
      s = { buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0, outcomes: { answered: 0, timeout: 0, reset: 0 } };
      this.series.set(msgType, s);
    }
    return s;
  }
}
