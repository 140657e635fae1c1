import type { SnQos } from '../../../src/mqttsn/codec/index.js';
import { BrokerCounter } from '../../common/mqtt-side.js';
import type { Scenario, ScenarioContext, ScenarioMetrics } from '../../common/scenario.js';
import { startScraper, type ScrapeSummary } from '../../common/scraper.js';
import { perSecond, waitForCount, waitUntil } from '../../common/time.js';
import { SnClientPool } from '../client-pool.js';
import { runNativeUplink } from '../native-generator.js';
import { connect, disconnectAll, register } from '../session-steps.js';
import { newUplinkStats, publishBuffer, sendBurst, startInFlightPublishing } from '../uplink-load.js';

export const publishOptions = {
  clients: { type: 'number', default: 200, help: 'simulated clients, one UDP socket each' },
  qos: { type: 'number', default: 1, help: 'uplink QoS: -1, 0, 1 or 2' },
  duration: { type: 'number', default: 10, help: 'QoS 1/2: seconds of publishing (ignored when --count is set)' },
  count: { type: 'number', default: 0, help: 'total messages (split over clients); 0 = QoS 1/2 run for --duration, QoS 0/-1 send 1000 per client' },
  'payload-size': { type: 'number', default: 32, help: 'PUBLISH payload bytes' },
  rate: { type: 'number', default: 0, help: 'QoS 0/-1 burst: total messages per second, 0 = as fast as possible' },
  batch: { type: 'number', default: 256, help: 'QoS 0/-1 burst: datagrams sent per event-loop turn' },
  'short-topic': { type: 'string', default: 'bq', help: 'QoS -1: two-character short topic name published to (§6.8)' },
  'sub-qos': { type: 'number', default: 0, help: 'QoS of the counting broker subscription' },
  drain: { type: 'number', default: 2000, help: 'ms without a new message at the broker before counting stops' },
  keepalive: { type: 'number', default: 300, help: 'CONNECT keepalive, seconds' },
  'request-timeout': { type: 'number', default: 5000, help: 'ms to wait for CONNACK / REGACK during setup' },
  retry: {
    type: 'number',
    default: 0,
    help: 'QoS 1/2: ms without an answer before the in-flight message is sent again (PUBLISH with DUP, or PUBREL; §6.13 Tretry); 0 = never, a lost datagram stalls its client',
  },
  'setup-concurrency': { type: 'number', default: 500, help: 'clients connecting / registering at once during setup' },
  generator: {
    type: 'string',
    default: 'node',
    help: 'QoS 1/2: "node" (this process) or "native" (bench/native/snload.c, built with the system C compiler: a few µs of CPU per message, so the load side leaves the cores to the gateway)',
  },
  'scrape-interval': { type: 'number', default: 0, help: 'ms between GET /metrics scrapes during the load (spawned gateway); 0 = no scraping' },
} as const;

export interface UplinkRunOptions {
  /** false for the baseline responder: no broker, so only acks are counted. */
  readonly countAtBroker: boolean;
}

/** The publish scenario body, shared with the `baseline` scenario. */
export async function runUplink(ctx: ScenarioContext, run: UplinkRunOptions): Promise<ScenarioMetrics> {
  const o = ctx.options;
  const clientsN = o.num('clients');
  const qos = o.num('qos') as SnQos;
  if (![-1, 0, 1, 2].includes(qos)) throw new Error('--qos must be -1, 0, 1 or 2');
  const notes: string[] = [];
  const prefix = `bench/${ctx.runTag}`;
  const shortTopic = o.str('short-topic');
  if (qos === -1 && shortTopic.length !== 2) throw new Error('--short-topic must be two characters');
  const payload = Buffer.alloc(o.num('payload-size'), 0x61);
  const timeoutMs = o.num('request-timeout');
  const generator = o.str('generator');
  if (generator !== 'node' && generator !== 'native') throw new Error('--generator must be node or native');
  if (generator === 'native') {
    if (qos !== 1 && qos !== 2) throw new Error('--generator native runs QoS 1 and 2 only');
    if (o.num('count') > 0 || o.num('scrape-interval') > 0)
      throw new Error('--generator native runs for --duration; --count and --scrape-interval need --generator node');
    return runNativeUplinkScenario(ctx, qos, run);
  }

  const pool = await SnClientPool.open({
    count: clientsN,
    idPrefix: `b${ctx.runTag}-`,
    gatewayHost: ctx.target.host,
    gatewayPort: ctx.target.port,
    localHosts: o.num('local-hosts'),
  });
  let counter: BrokerCounter | undefined;
  try {
    let active = pool.clients;
    if (qos !== -1) {
      const conn = await pool.phaseLimited((c) => connect(c, { keepAliveS: o.num('keepalive'), cleanSession: true, timeoutMs }), o.num('setup-concurrency'));
      const reg = await pool.phaseLimited((c) => register(c, `${prefix}/c${c.index}`, timeoutMs), o.num('setup-concurrency'));
      active = pool.clients.filter((c) => c.topicId !== 0);
      ctx.log(`setup: ${conn.ok}/${clientsN} connected, ${reg.ok} registered in ${Math.round(conn.elapsedMs + reg.elapsedMs)} ms`);
      if (conn.failed + reg.failed > 0) notes.push(`setup failures: ${conn.failed} CONNECT, ${reg.failed} REGISTER (${conn.firstError ?? reg.firstError})`);
      if (active.length === 0) throw new Error(`no client completed setup: ${conn.firstError ?? reg.firstError}`);
    }
    if (run.countAtBroker) {
      const filter = qos === -1 ? shortTopic : `${prefix}/#`;
      counter = await BrokerCounter.start(ctx.brokerUrl, `bench-sub-${ctx.runTag}`, filter, o.num('sub-qos') as 0 | 1 | 2);
    }

    const stats = newUplinkStats();
    const scrapeEvery = o.num('scrape-interval');
    if (scrapeEvery > 0 && ctx.httpUrl === undefined) throw new Error('--scrape-interval needs a spawned gateway (its HTTP listener)');
    const scraper = scrapeEvery > 0 && ctx.httpUrl !== undefined ? startScraper(ctx.httpUrl, scrapeEvery) : undefined;
    let loadMs: number;
    if (qos === 1 || qos === 2) {
      const total = o.num('count');
      const perClient = total > 0 ? Math.ceil(total / active.length) : 0;
      const endAt = total > 0 ? ctx.deadline - 3000 : Math.min(ctx.deadline - 3000, performance.now() + o.num('duration') * 1000);
      const runHandle = startInFlightPublishing(active, qos, payload, perClient, stats, o.num('retry'));
      await waitUntil(() => runHandle.inFlight() === 0 || performance.now() >= endAt, ctx.deadline, 20);
      runHandle.stop();
      // Let the last in-flight messages complete (bounded).
      await waitUntil(() => runHandle.inFlight() === 0, Math.min(ctx.deadline, performance.now() + 2000), 10);
      runHandle.dispose();
      stats.stalled = runHandle.inFlight();
      loadMs = stats.lastAckAt - stats.firstSendAt;
    } else {
      const perClient = o.num('count') > 0 ? Math.ceil(o.num('count') / active.length) : 1000;
      const topicOf = (i: number) =>
        qos === -1 ? ({ kind: 'short', name: shortTopic } as const) : ({ kind: 'normal', id: (active[i] ?? active[0]).topicId } as const);
      const bufs = active.map((_, i) => publishBuffer(qos, topicOf(i), payload));
      await sendBurst(active, bufs, perClient, { batch: o.num('batch'), rate: o.num('rate'), deadline: ctx.deadline - 3000 }, stats);
      loadMs = performance.now() - stats.firstSendAt;
    }
    const scraped: ScrapeSummary | undefined = await scraper?.stop();
    if (scraped !== undefined)
      notes.push(`GET /metrics every ${scrapeEvery} ms during the load: ${scraped.scrapes} scrapes, ${scraped.failures} failed, ${scraped.bytes} bytes each`);
    let deliveredMs = loadMs;
    if (counter) {
      const expected = qos === 1 || qos === 2 ? stats.acked : stats.sent;
      const c = counter;
      await waitForCount(() => c.received, expected, o.num('drain'), ctx.deadline - 1000);
      deliveredMs = c.lastAt - stats.firstSendAt;
    }
    const timedOut = performance.now() >= ctx.deadline - 3000;
    const received = counter?.received;
    const sent = stats.sent;
    const metrics: ScenarioMetrics = {
      durationMs: Math.round(loadMs),
      sent,
      ...(received !== undefined ? { received, lost: Math.max(0, sent - received) } : {}),
      messagesPerSecond: perSecond(qos === 1 || qos === 2 ? stats.acked : sent, loadMs),
      latencyMs: stats.latency.summary(),
      accepted: qos === 1 || qos === 2 ? stats.acked : undefined,
      rejected: stats.rejected,
      extra: {
        activeClients: active.length,
        stalledClients: stats.stalled,
        ...(qos === 1 || qos === 2 ? { retransmitted: stats.retransmitted } : {}),
        ...(received !== undefined && qos !== 1 && qos !== 2 ? { deliveredPerSecond: perSecond(received, deliveredMs) } : {}),
        ...(received !== undefined && received > sent ? { duplicates: received - sent } : {}),
        ...(scraped !== undefined ? { metricsScrapes: scraped.scrapes, metricsScrapeLatencyMs: scraped.latencyMs, metricsBytes: scraped.bytes } : {}),
      },
      notes,
      timedOut,
    };
    if (qos === 1 || qos === 2) notes.push(`latency = PUBLISH to ${qos === 1 ? 'PUBACK' : 'PUBCOMP'} per message`);
    await disconnectAll(active, 2000);
    return metrics;
  } finally {
    await counter?.close();
    pool.close();
  }
}

/** QoS 1/2 uplink with the C load generator: it connects, registers and publishes; this process counts at the broker. */
async function runNativeUplinkScenario(ctx: ScenarioContext, qos: 1 | 2, run: UplinkRunOptions): Promise<ScenarioMetrics> {
  const o = ctx.options;
  const prefix = `bench/${ctx.runTag}`;
  const counter = run.countAtBroker
    ? await BrokerCounter.start(ctx.brokerUrl, `bench-sub-${ctx.runTag}`, `${prefix}/#`, o.num('sub-qos') as 0 | 1 | 2)
    : undefined;
  try {
    const r = await runNativeUplink(
      {
        host: ctx.target.host,
        port: ctx.target.port,
        clients: o.num('clients'),
        qos,
        durationS: o.num('duration'),
        retryMs: o.num('retry'),
        payloadSize: o.num('payload-size'),
        keepaliveS: o.num('keepalive'),
        requestTimeoutMs: o.num('request-timeout'),
        setupConcurrency: o.num('setup-concurrency'),
        idPrefix: `b${ctx.runTag}-`,
        topicPrefix: prefix,
        killAfterMs: Math.max(1000, ctx.deadline - 3000 - performance.now()),
      },
      ctx.log,
    );
    const notes: string[] = [`latency = PUBLISH to ${qos === 1 ? 'PUBACK' : 'PUBCOMP'} per message, timed by the C load generator`];
    const setupFailed = r.setup.failedConnect + r.setup.failedRegister;
    if (setupFailed > 0) notes.push(`setup failures: ${r.setup.failedConnect} CONNECT, ${r.setup.failedRegister} REGISTER (${r.setup.firstError})`);
    if (r.activeClients === 0) throw new Error(`no client completed setup: ${r.setup.firstError}`);
    if (counter) await waitForCount(() => counter.received, r.acked, o.num('drain'), ctx.deadline - 1000);
    const received = counter?.received;
    return {
      durationMs: Math.round(r.durationMs),
      sent: r.sent,
      ...(received !== undefined ? { received, lost: Math.max(0, r.acked - received) } : {}),
      messagesPerSecond: perSecond(r.acked, r.durationMs),
      latencyMs: r.latencyMs,
      accepted: r.acked,
      rejected: r.rejected,
      extra: {
        activeClients: r.activeClients,
        stalledClients: r.stalled,
        retransmitted: r.retransmitted,
        setupMs: r.setup.elapsedMs,
        nativeGeneratorCpuSeconds: r.cpuSeconds,
        ...(received !== undefined && received > r.acked ? { duplicates: received - r.acked } : {}),
      },
      notes,
      timedOut: performance.now() >= ctx.deadline - 3000,
    };
  } finally {
    await counter?.close();
  }
}

export const publishScenario: Scenario = {
  name: 'publish',
  summary: 'REGISTER, then QoS -1/0/1/2 uplink (one in flight per client for QoS 1/2, a burst for QoS 0/-1); a broker subscriber counts arrivals',
  target: 'mqttsn',
  options: publishOptions,
  run: (ctx) => runUplink(ctx, { countAtBroker: true }),
};
