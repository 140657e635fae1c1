import { LatencyHistogram } from '../../common/histogram.js';
import type { Scenario } from '../../common/scenario.js';
import { perSecond } from '../../common/time.js';
import { SnClientPool } from '../client-pool.js';
import { connect, connectPacket, disconnectAll, RejectedError } from '../session-steps.js';

/**
 * N clients send CONNECT at the same moment (sockets are opened beforehand, untimed);
 * measures the time until the last CONNACK and how many were accepted.
 */
export const connectStormScenario: Scenario = {
  name: 'connect-storm',
  summary: 'N clients CONNECT at once; time until all CONNACKs, accepted count',
  target: 'mqttsn',
  options: {
    clients: { type: 'number', default: 1000, help: 'simulated clients, one UDP socket each' },
    keepalive: { type: 'number', default: 300, help: 'CONNECT keepalive, seconds' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms a client waits for its CONNACK' },
    'clean-session': { type: 'boolean', default: true, help: 'CleanSession flag of the CONNECTs' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('clients');
    const pool = await SnClientPool.open({
      count: n,
      idPrefix: `s${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    ctx.log(`${n} sockets open; storming`);
    const hist = new LatencyHistogram();
    let rejected = 0;
    let lastAck = 0;
    const timeoutMs = Math.min(o.num('request-timeout'), Math.max(1000, ctx.deadline - performance.now() - 5000));
    const session = { keepAliveS: o.num('keepalive'), cleanSession: o.bool('clean-session'), timeoutMs };
    const prepared = pool.clients.map((c) => connectPacket(c, session));
    try {
      const start = performance.now();
      const result = await pool.phase((c) =>
        connect(c, { ...session, prepared: prepared[c.index] }).then(
          () => {
            lastAck = performance.now();
            hist.recordSince(start, lastAck);
          },
          (err: unknown) => {
            if (err instanceof RejectedError) rejected++;
            throw err;
          },
        ),
      );
      const allMs = lastAck > 0 ? lastAck - start : result.elapsedMs;
      await disconnectAll(pool.clients, 3000);
      return {
        durationMs: Math.round(allMs),
        accepted: result.ok,
        rejected,
        failed: result.failed - rejected,
        connectsPerSecond: perSecond(result.ok, allMs),
        latencyMs: hist.summary(),
        extra: { timeToAllConnAcksMs: result.failed === 0 ? Math.round(allMs) : 'not all accepted', firstError: result.firstError },
        notes: ['latency = storm start to each CONNACK'],
      };
    } finally {
      pool.close();
    }
  },
};
