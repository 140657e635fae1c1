import { LatencyHistogram, type LatencySummary } from './histogram.js';

export interface ScrapeSummary {
  readonly scrapes: number;
  readonly failures: number;
  readonly bytes: number;
  readonly latencyMs: LatencySummary | undefined;
}

/**
 * Scrapes `${httpUrl}/metrics` every `intervalMs` (one at a time) while a
 * scenario runs, as Prometheus would: measures what metrics cost the gateway.
 */
export function startScraper(httpUrl: string, intervalMs: number): { stop(): Promise<ScrapeSummary> } {
  const latency = new LatencyHistogram();
  let scrapes = 0;
  let failures = 0;
  let bytes = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const res = await fetch(`${httpUrl}/metrics`);
        const text = await res.text();
        if (!res.ok) failures += 1;
        bytes = text.length;
        scrapes += 1;
        latency.recordSince(started, performance.now());
      } catch {
        failures += 1;
      }
      const wait = intervalMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { scrapes, failures, bytes, latencyMs: latency.summary() };
    },
  };
}
