import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LatencyHistogram, type LatencySummary } from '../common/histogram.js';
import type { Scenario } from '../common/scenario.js';
import { SimDevicePool } from '../lwm2m/device-pool.js';

/** Times `times` sequential GETs of `url`; returns the latency summary and the last body size. */
async function timeGets(url: string, times: number, init?: RequestInit): Promise<{ latencyMs: LatencySummary | undefined; bytes: number; status: number }> {
  const hist = new LatencyHistogram();
  let bytes = 0;
  let status = 0;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const res = await fetch(url, init);
    const text = await res.text();
    hist.recordSince(started, performance.now());
    bytes = text.length;
    status = res.status;
  }
  return { latencyMs: hist.summary(), bytes, status };
}

/**
 * The HTTP side with a large fleet: N devices register, then the LwM2M client
 * list is fetched (first page, a deep page, one 10,000-item page, a like_
 * filter), reads go through POST .../read one after another, /metrics is
 * scraped, and (with chromium present) the dashboard's device list is opened
 * in a headless browser and timed.
 */
export const httpApiScenario: Scenario = {
  name: 'http-api',
  summary: 'HTTP API with many registered devices: list latency (pages, 10,000 at once), read over HTTP, /metrics, dashboard load in chromium',
  target: 'lwm2m',
  options: {
    devices: { type: 'number', default: 10_000, help: 'simulated devices, one UDP socket each' },
    repeat: { type: 'number', default: 50, help: 'requests per list measurement' },
    reads: { type: 'number', default: 200, help: 'reads through POST /api/v5/gateways/lwm2m/clients/{id}/read, one after another' },
    lifetime: { type: 'number', default: 3600, help: 'registration lifetime, seconds' },
    'request-timeout': { type: 'number', default: 20000, help: 'ms a device waits for 2.01 during setup' },
    chromium: { type: 'string', default: '/usr/bin/chromium', help: 'browser for the dashboard load ("" = skip)' },
  },
  async run(ctx) {
    const o = ctx.options;
    const base = ctx.httpUrl;
    if (base === undefined) throw new Error('http-api needs a spawned gateway (its HTTP listener)');
    const n = o.num('devices');
    const pool = await SimDevicePool.open({
      count: n,
      endpointPrefix: `h${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    const notes: string[] = [];
    try {
      const reg = await pool.phase((d) => d.register(o.num('lifetime'), '</1/0>,</3/0>', o.num('request-timeout')), 500);
      const devices = pool.devices.filter((d) => d.location.length > 0);
      ctx.log(`${devices.length}/${n} devices registered (${Math.round(reg.elapsedMs)} ms)`);
      const api = `${base}/api/v5/gateways/lwm2m/clients`;
      const repeat = o.num('repeat');
      const lastPage = Math.max(1, Math.ceil(devices.length / 100));
      const firstPage = await timeGets(`${api}?page=1&limit=100`, repeat);
      const deepPage = await timeGets(`${api}?page=${lastPage}&limit=100`, repeat);
      const all = await timeGets(`${api}?page=1&limit=10000`, Math.max(1, Math.floor(repeat / 5)));
      const like = await timeGets(`${api}?like_endpoint_name=-${n - 1}&limit=100`, repeat);
      const one = await timeGets(`${api}/${devices[devices.length - 1]?.endpoint ?? ''}`, repeat);
      const metrics = await timeGets(`${base}/metrics`, Math.max(1, Math.floor(repeat / 5)));

      const readHist = new LatencyHistogram();
      let readFailures = 0;
      for (let i = 0; i < o.num('reads'); i++) {
        const d = devices[i % devices.length];
        if (d === undefined) break;
        const started = performance.now();
        const res = await fetch(`${api}/${d.endpoint}/read?path=/3/0/0`, { method: 'POST' });
        const body = (await res.json()) as { data?: { code?: string } };
        readHist.recordSince(started, performance.now());
        if (res.status !== 200 || body.data?.code !== '2.05') readFailures++;
      }

      let dashboard: Record<string, number> | undefined;
      const chromiumPath = o.str('chromium');
      if (chromiumPath !== '' && existsSync(chromiumPath)) dashboard = await dashboardLoad(base, chromiumPath, devices.length);
      else notes.push('chromium not found: dashboard load not measured');

      notes.push('latencies: sequential requests from the load process on the same machine');
      return {
        durationMs: 0,
        sent: o.num('reads'),
        received: o.num('reads') - readFailures,
        failed: readFailures,
        latencyMs: readHist.summary(),
        extra: {
          registeredDevices: devices.length,
          listFirstPage100Ms: firstPage.latencyMs,
          listLastPage100Ms: deepPage.latencyMs,
          listAll10000Ms: all.latencyMs,
          listAll10000Bytes: all.bytes,
          listLikeFilterMs: like.latencyMs,
          getOneClientMs: one.latencyMs,
          metricsScrapeMs: metrics.latencyMs,
          metricsBytes: metrics.bytes,
          ...Object.fromEntries(Object.entries(dashboard ?? {}).map(([k, v]) => [`dashboard_${k}`, v])),
        },
        notes: [...notes, 'latencyMs = POST .../read?path=/3/0/0 to its 200 answer (device answers TLV)'],
      };
    } finally {
      await pool
        .phase(
          (d) => d.deregister(5000),
          500,
          pool.devices.filter((d) => d.location.length > 0),
        )
        .catch(() => undefined);
      pool.close();
    }
  },
};

/** Opens the dashboard on the LwM2M tab and times it until the first page of devices and the total are shown. */
async function dashboardLoad(base: string, executablePath: string, expected: number): Promise<Record<string, number>> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${base}/#lwm2m`);
    await page.locator('#lw-list li[data-endpoint]').nth(49).waitFor({ timeout: 30_000 });
    await page.locator('#lw-count', { hasText: `${expected} device` }).waitFor({ timeout: 30_000 });
    const listShownMs = performance.now() - started;
    const next = performance.now();
    await page.click('#lw-next');
    await page.locator('#lw-page', { hasText: '2' }).waitFor();
    const nextPageMs = performance.now() - next;
    const domNodes = await page.evaluate<number>('document.getElementsByTagName("*").length');
    const heap = await page.evaluate<number>('performance.memory ? performance.memory.usedJSHeapSize : 0');
    return { listShownMs: Math.round(listShownMs), nextPageMs: Math.round(nextPageMs), domNodes, jsHeapBytes: heap };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
