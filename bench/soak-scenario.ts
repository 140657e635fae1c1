import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MsgType } from '../src/mqttsn/codec/index.js';
import { connectBroker } from './common/mqtt-side.js';
import type { Scenario } from './common/scenario.js';
import { delay } from './common/time.js';
import { SnClientPool } from './mqttsn/client-pool.js';
import { receiveDownlink } from './mqttsn/downlink-receiver.js';
import { connect, disconnect, disconnectAll, subscribe } from './mqttsn/session-steps.js';

const updateWorker = fileURLToPath(new URL('./lwm2m/update-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface PhaseReport {
  readonly evt: string;
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly firstError: string | undefined;
}

/**
 * Memory over time under a steady mixed load: MQTT-SN clients that sleep
 * (§6.14) and wake in cycles to collect buffered messages, and LwM2M devices
 * (in a child process: both fleets' sockets do not fit one process's file
 * limit) that send an Update every cycle. The gateway's RSS is sampled every
 * `--sample-interval` s; after `--warmup` s, the spread (max - min) / min of
 * the samples must stay within `--flat-within` percent. The trend (mean of
 * the last third of those samples against the first third) tells growth from
 * the garbage collector's sawtooth.
 */
export const soakScenario: Scenario = {
  name: 'soak',
  summary: 'sleeping MQTT-SN clients waking in cycles + LwM2M devices updating, for --duration s; RSS sampled every minute, flat after warm-up',
  target: 'mqttsn',
  options: {
    clients: { type: 'number', default: 10_000, help: 'sleeping MQTT-SN clients, one UDP socket each' },
    devices: { type: 'number', default: 10_000, help: 'LwM2M devices (child process), one UDP socket each' },
    duration: { type: 'number', default: 1800, help: 'seconds of load after setup' },
    cycle: { type: 'number', default: 60, help: 'seconds per cycle: publish, wake every client, update every device' },
    messages: { type: 'number', default: 2, help: 'QoS 1 messages published to the sleepers per cycle' },
    'sleep-duration': { type: 'number', default: 600, help: 'DISCONNECT duration field, seconds (longer than a cycle)' },
    lifetime: { type: 'number', default: 600, help: 'LwM2M registration lifetime, seconds (longer than a cycle)' },
    warmup: { type: 'number', default: 300, help: 'seconds after setup before samples count for flatness' },
    'sample-interval': { type: 'number', default: 60, help: 'seconds between RSS samples' },
    'flat-within': { type: 'number', default: 10, help: 'allowed RSS spread after warm-up, percent' },
    concurrency: { type: 'number', default: 1000, help: 'wake-ups / updates / setup steps outstanding at once' },
    spread: {
      type: 'number',
      default: 0,
      help: 'fraction of each cycle over which the wake-ups and the Updates are spread evenly (devices on their own clocks); 0 = all at once at the start of the cycle',
    },
    'request-timeout': { type: 'number', default: 10_000, help: 'ms to wait for an answer' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('clients');
    const timeoutMs = o.num('request-timeout');
    const concurrency = o.num('concurrency');
    const topic = `bench/${ctx.runTag}/soak`;
    const notes: string[] = [];

    // LwM2M devices in their own process.
    const child = fork(updateWorker, [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const waiting: ((report: PhaseReport) => void)[] = [];
    child.on('message', (m: unknown) => waiting.shift()?.(m as PhaseReport));
    const ask = (message: Record<string, unknown>): Promise<PhaseReport> =>
      new Promise((resolve, reject) => {
        waiting.push((report) =>
          report.evt === 'error' ? reject(new Error(`LwM2M worker: ${String((report as { message?: string }).message)}`)) : resolve(report),
        );
        child.send(message);
      });

    const pool = await SnClientPool.open({
      count: n,
      idPrefix: `s${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    const publisher = await connectBroker(ctx.brokerUrl, `bench-soak-${ctx.runTag}`);
    const samples: { atS: number; rssMiB: number }[] = [];
    let sampler: NodeJS.Timeout | undefined;
    try {
      const registered = await ask({
        cmd: 'start',
        count: o.num('devices'),
        endpointPrefix: `k${ctx.runTag}-`,
        gatewayHost: ctx.lwm2mTarget.host,
        gatewayPort: ctx.lwm2mTarget.port,
        localHosts: o.num('local-hosts'),
        lifetimeS: o.num('lifetime'),
        concurrency,
        timeoutMs,
      });
      const conn = await pool.phaseLimited((c) => connect(c, { keepAliveS: 300, cleanSession: true, timeoutMs }), concurrency);
      const subs = await pool.phaseLimited((c) => subscribe(c, topic, 1, timeoutMs), concurrency);
      const sleepers = pool.clients.filter((c) => c.topicId !== 0);
      const asleep = await pool.phase((c) => disconnect(c, timeoutMs, o.num('sleep-duration')), sleepers);
      ctx.log(`setup: ${registered.ok} LwM2M devices registered, ${conn.ok}/${n} MQTT-SN clients connected, ${subs.ok} subscribed, ${asleep.ok} asleep`);
      const delivered = new Uint32Array(n);
      for (const c of sleepers) receiveDownlink(c, () => void delivered[c.index]++);

      const started = performance.now();
      const sample = (): void => {
        const rss = ctx.sampleRss();
        if (rss === undefined) return;
        const atS = Math.round((performance.now() - started) / 1000);
        samples.push({ atS, rssMiB: Math.round((rss / 1024 / 1024) * 10) / 10 });
        ctx.log(`t=${atS}s RSS ${samples[samples.length - 1]?.rssMiB} MiB`);
      };
      sample();
      sampler = setInterval(sample, o.num('sample-interval') * 1000);
      const endAt = started + o.num('duration') * 1000;
      const payload = Buffer.alloc(16, 0x73);
      let cycles = 0;
      let published = 0;
      let wakeFailures = 0;
      let updateFailures = 0;
      while (performance.now() < endAt && performance.now() < ctx.deadline - 60_000) {
        const cycleStart = performance.now();
        for (let i = 0; i < o.num('messages'); i++) {
          await publisher.publishAsync(topic, payload, { qos: 1 });
          published++;
        }
        const spreadMs = Math.max(0, Math.min(1, o.num('spread'))) * o.num('cycle') * 1000;
        const gapMs = spreadMs / Math.max(1, pool.clients.length);
        const [woke, updated] = await Promise.all([
          pool.phaseLimited(async (c) => {
            // With --spread, client i wakes i x gap after the cycle start.
            const wait = cycleStart + c.index * gapMs - performance.now();
            if (wait > 0) await delay(wait);
            if (c.topicId !== 0) await c.request({ type: MsgType.PINGREQ, clientId: c.clientId }, MsgType.PINGRESP, timeoutMs);
          }, concurrency),
          ask({ cmd: 'update', spreadMs }),
        ]);
        wakeFailures += woke.failed;
        updateFailures += updated.failed;
        cycles++;
        const rest = o.num('cycle') * 1000 - (performance.now() - cycleStart);
        if (rest > 0) await delay(Math.min(rest, Math.max(0, endAt - performance.now())));
      }
      clearInterval(sampler);
      sampler = undefined;
      sample();

      const afterWarmup = samples.filter((s) => s.atS >= o.num('warmup')).map((s) => s.rssMiB);
      const min = Math.min(...afterWarmup);
      const max = Math.max(...afterWarmup);
      const spreadPercent = afterWarmup.length >= 2 ? Math.round(((max - min) / min) * 1000) / 10 : undefined;
      // Growth rather than garbage-collector sawtooth: mean of the last third of the samples against the first third.
      const third = Math.floor(afterWarmup.length / 3);
      const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
      const trendPercent =
        third >= 1
          ? Math.round(((mean(afterWarmup.slice(-third)) - mean(afterWarmup.slice(0, third))) / mean(afterWarmup.slice(0, third))) * 1000) / 10
          : undefined;
      const expected = published * sleepers.length;
      let received = 0;
      for (const c of sleepers) received += delivered[c.index] ?? 0;
      if (spreadPercent === undefined) notes.push('too few samples after warm-up to judge flatness (raise --duration or lower --warmup)');
      await disconnectAll(pool.clients, 3000);
      await ask({ cmd: 'stop' });
      return {
        durationMs: Math.round(performance.now() - started),
        sent: expected,
        received,
        lost: Math.max(0, expected - received),
        failed: wakeFailures + updateFailures,
        extra: {
          cycles,
          sleepingClients: asleep.ok,
          registeredDevices: registered.ok,
          wakeFailures,
          updateFailures,
          rssSamplesMiB: samples.map((s) => `${s.atS}s:${s.rssMiB}`).join(' '),
          rssSpreadAfterWarmupPercent: spreadPercent,
          rssTrendAfterWarmupPercent: trendPercent,
          flat: spreadPercent !== undefined && spreadPercent <= o.num('flat-within'),
        },
        notes: [...notes, 'sent = messages published x sleeping clients; received = delivered at wake-ups; RSS = gateway VmRSS'],
      };
    } finally {
      if (sampler !== undefined) clearInterval(sampler);
      await publisher.endAsync(true).catch(() => undefined);
      pool.close();
      if (child.connected) child.kill();
    }
  },
};
