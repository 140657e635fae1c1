import { HolderFleet } from '../../common/holder-fleet.js';
import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond } from '../../common/time.js';

/**
 * N devices register (at most --concurrency outstanding) and stay registered; the
 * gateway's RSS is sampled after --hold seconds, minus the RSS before, per device.
 */
export const lwm2mIdleScenario: Scenario = {
  name: 'lwm2m-idle',
  summary: "N devices register and stay idle; the gateway's resident memory per registered device",
  target: 'lwm2m',
  options: {
    devices: { type: 'number', default: 1000, help: 'registered devices, one UDP socket each' },
    lifetime: { type: 'number', default: 86400, help: 'registration lifetime, seconds (longer than the run)' },
    hold: { type: 'number', default: 5, help: 'seconds to sit idle before the RSS sample' },
    concurrency: { type: 'number', default: 1000, help: 'registrations outstanding at once (over all workers)' },
    procs: { type: 'number', default: 1, help: 'worker processes holding the devices (raised automatically: 15,000 sockets per worker)' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms a device waits for 2.01' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('devices');
    const fleet = new HolderFleet();
    try {
      const r = await fleet.hold({
        kind: 'lwm2m',
        host: ctx.target.host,
        port: ctx.target.port,
        total: n,
        procs: o.num('procs'),
        localHosts: o.num('local-hosts'),
        idPrefix: `l${ctx.runTag}-`,
        keepAliveS: o.num('lifetime'),
        timeoutMs: o.num('request-timeout'),
        concurrency: o.num('concurrency'),
        deadline: ctx.deadline - 10_000,
      });
      ctx.log(`${r.ok}/${n} registered in ${Math.round(r.elapsedMs)} ms by ${r.workers} worker(s); holding ${o.num('hold')} s`);
      await delay(Math.min(o.num('hold') * 1000, Math.max(0, ctx.deadline - performance.now() - 10_000)));
      const loaded = ctx.sampleRss();
      return {
        durationMs: Math.round(r.elapsedMs),
        accepted: r.ok,
        failed: r.failed,
        registrationsPerSecond: perSecond(r.ok, r.elapsedMs),
        rssPerUnitOf: r.ok,
        rssLoadedBytes: loaded,
        extra: { workers: r.workers, firstError: r.firstError },
        notes: ['RSS per device = (RSS after --hold seconds idle - RSS before) / registered devices; "after" is sampled once they de-registered'],
      };
    } finally {
      await fleet.release();
    }
  },
};
