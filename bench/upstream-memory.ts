/**
 * Memory per upstream session, in-process: opens N sessions through one
 * connector kind, each subscribed to `--filters` filters (0: none; 1: its own
 * `dev/<i>/cmd`, as a device gateway does; 2: that and one shared filter),
 * and prints resident memory and heap per session.
 *
 *   npx tsx --expose-gc bench/upstream-memory.ts [--mode auto|transparent|aggregating] [--sessions N] [--url mqtt://host:port]
 *
 * Without --url the embedded broker is used (its memory for the sessions is
 * part of the figure: aedes keeps a client per transparent session). With
 * --url the sessions go to that external broker (run it in another process,
 * e.g. mosquitto, so only the gateway side is measured).
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/resolve.js';
import type { UpstreamMode } from '../src/config/types.js';
import { silentLogger } from '../src/log.js';
import { createUpstreamConnector } from '../src/upstream/connector.js';
import type { UpstreamSession } from '../src/upstream/types.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'aggregating' },
    sessions: { type: 'string', default: '10000' },
    url: { type: 'string', default: '' },
    batch: { type: 'string', default: '500' },
    filters: { type: 'string', default: '1' },
  },
});
const mode = values.mode as UpstreamMode;
if (mode !== 'auto' && mode !== 'transparent' && mode !== 'aggregating') throw new Error('--mode must be auto, transparent or aggregating');
const count = Number(values.sessions);
const batch = Math.max(1, Number(values.batch));
const filterCount = Math.min(2, Math.max(0, Number(values.filters)));

function settle(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 4; i += 1) gc();
}

async function measure(): Promise<{ rss: number; heap: number }> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  settle();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

const connector = await createUpstreamConnector(
  resolveConfig({
    upstream: {
      mode,
      embedded: { bind: '' },
      client: { server: values.url, waitTimeout: '30s', keepAlive: '300s', maxReconnectInterval: '10s' },
    },
  }).upstream,
  silentLogger(),
);
const before = await measure();
const sessions: UpstreamSession[] = [];
const events = { onMessage: (): void => undefined };
const started = Date.now();
for (let i = 0; i < count; i += batch) {
  const opened = await Promise.all(
    Array.from({ length: Math.min(batch, count - i) }, (_unused, j) =>
      connector.open({ clientId: `mem-${i + j}`, cleanSession: true, keepAliveSeconds: 300 }, events),
    ),
  );
  if (filterCount > 0) {
    const filtersOf = (n: number): { topic: string; qos: 1 }[] =>
      [
        { topic: `dev/${n}/cmd`, qos: 1 as const },
        { topic: 'all/cmd', qos: 1 as const },
      ].slice(0, filterCount);
    await Promise.all(opened.map((session, j) => session.subscribe(filtersOf(i + j))));
  }
  sessions.push(...opened);
}
const openSeconds = (Date.now() - started) / 1000;
const after = await measure();
const perSession = (bytes: number): string => `${(bytes / count).toFixed(0)} B`;
console.log(
  JSON.stringify(
    {
      mode,
      broker: values.url === '' ? 'embedded' : values.url,
      connector: connector.description,
      sessions: sessions.length,
      filtersPerSession: filterCount,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      openSeconds,
      rssBeforeMiB: +(before.rss / 2 ** 20).toFixed(1),
      rssAfterMiB: +(after.rss / 2 ** 20).toFixed(1),
      rssPerSession: perSession(after.rss - before.rss),
      heapPerSession: perSession(after.heap - before.heap),
    },
    null,
    2,
  ),
);
await connector.close();
