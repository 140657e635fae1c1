import { HolderFleet } from '../../common/holder-fleet.js';
import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond } from '../../common/time.js';

/**
 * N clients connect (at most --concurrency CONNECTs outstanding) and sit idle; the
 * gateway's RSS is sampled after --hold seconds, minus the RSS before the run, per client.
 * Clients live in worker processes (one socket each; see common/holder-fleet.ts).
 */
export const idleScenario: Scenario = {
  name: 'idle',
  summary: "N clients connect and sit idle; the gateway's resident memory per client",
  target: 'mqttsn',
  options: {
    clients: { type: 'number', default: 1000, help: 'idle clients, one UDP socket each' },
    keepalive: { type: 'number', default: 900, help: 'CONNECT keepalive, seconds (longer than the run: no PINGREQ is sent)' },
    hold: { type: 'number', default: 5, help: 'seconds to sit idle before the RSS sample' },
    concurrency: { type: 'number', default: 1000, help: 'CONNECTs outstanding at once (over all workers)' },
    procs: { type: 'number', default: 1, help: 'worker processes holding the clients (raised automatically: 15,000 sockets per worker)' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms a client waits for its CONNACK' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('clients');
    const fleet = new HolderFleet();
    try {
      const r = await fleet.hold({
        kind: 'mqttsn',
        host: ctx.target.host,
        port: ctx.target.port,
        total: n,
        procs: o.num('procs'),
        localHosts: o.num('local-hosts'),
        idPrefix: `i${ctx.runTag}-`,
        keepAliveS: o.num('keepalive'),
        timeoutMs: o.num('request-timeout'),
        concurrency: o.num('concurrency'),
        deadline: ctx.deadline - 10_000,
      });
      ctx.log(`${r.ok}/${n} connected in ${Math.round(r.elapsedMs)} ms by ${r.workers} worker(s); holding ${o.num('hold')} s`);
      await delay(Math.min(o.num('hold') * 1000, Math.max(0, ctx.deadline - performance.now() - 10_000)));
      const loaded = ctx.sampleRss();
      return {
        durationMs: Math.round(r.elapsedMs),
        accepted: r.ok,
        failed: r.failed,
        connectsPerSecond: perSecond(r.ok, r.elapsedMs),
        rssPerUnitOf: r.ok,
        rssLoadedBytes: loaded,
        extra: { workers: r.workers, firstError: r.firstError },
        notes: ['RSS per client = (RSS after --hold seconds idle - RSS before) / connected clients; "after" is sampled once they disconnected'],
      };
    } finally {
      await fleet.release();
    }
  },
};
