import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency summary in milliseconds (what the JSON report holds). */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Latency histogram over perf_hooks' HDR histogram: values are recorded in
 * nanoseconds (integers >= 1, no allocation per record) and reported in ms.
 */
export class LatencyHistogram {
  readonly #h: RecordableHistogram = createHistogram();

  /** Records one sample given two `performance.now()` readings (ms). */
  recordSince(startMs: number, endMs: number): void {
    const ns = Math.round((endMs - startMs) * 1e6);
    this.#h.record(ns < 1 ? 1 : ns);
  }

  get count(): number {
    return this.#h.count;
  }

  summary(): LatencySummary | undefined {
    if (this.#h.count === 0) return undefined;
    const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;
    return {
      count: this.#h.count,
      p50: ms(this.#h.percentile(50)),
      p99: ms(this.#h.percentile(99)),
      max: ms(this.#h.max),
      mean: ms(this.#h.mean),
    };
  }
}
