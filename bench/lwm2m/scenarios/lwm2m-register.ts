import { LatencyHistogram } from '../../common/histogram.js';
import type { Scenario } from '../../common/scenario.js';
import { perSecond } from '../../common/time.js';
import { SimDevicePool } from '../device-pool.js';

/** N devices send Register (LwM2M 1.0 TS §5.3.1) at once; time until the last 2.01 Created. */
export const lwm2mRegisterScenario: Scenario = {
  name: 'lwm2m-register',
  summary: 'N devices register at once; registrations per second, time until all are registered',
  target: 'lwm2m',
  options: {
    devices: { type: 'number', default: 1000, help: 'simulated devices, one UDP socket each' },
    lifetime: { type: 'number', default: 3600, help: 'registration lifetime (lt), seconds' },
    concurrency: { type: 'number', default: 0, help: 'registrations outstanding at once; 0 = all at once' },
    objects: { type: 'string', default: '</1/0>,</3/0>', help: 'object list (link-format payload of the Register)' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms a device waits for 2.01 (no CoAP retransmission: a loss is a failure)' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('devices');
    const pool = await SimDevicePool.open({
      count: n,
      endpointPrefix: `r${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    ctx.log(`${n} sockets open; registering`);
    const hist = new LatencyHistogram();
    let lastAt = 0;
    const timeoutMs = Math.min(o.num('request-timeout'), Math.max(1000, ctx.deadline - performance.now() - 10_000));
    try {
      const start = performance.now();
      const r = await pool.phase((d) => {
        const t0 = performance.now();
        return d.register(o.num('lifetime'), o.str('objects'), timeoutMs).then(() => {
          lastAt = performance.now();
          hist.recordSince(t0, lastAt);
        });
      }, o.num('concurrency'));
      const allMs = lastAt > 0 ? lastAt - start : r.elapsedMs;
      const dereg = await pool.phase((d) => d.deregister(5000), 500);
      return {
        durationMs: Math.round(allMs),
        accepted: r.ok,
        failed: r.failed,
        registrationsPerSecond: perSecond(r.ok, allMs),
        latencyMs: hist.summary(),
        extra: { timeToAllRegisteredMs: r.failed === 0 ? Math.round(allMs) : 'not all registered', deregistered: dereg.ok, firstError: r.firstError },
        notes: ['latency = Register sent to 2.01 Created, per device'],
      };
    } finally {
      pool.close();
    }
  },
};
