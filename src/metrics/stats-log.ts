import type { Logger } from '../log.js';
import type { Lwm2mGateway } from '../lwm2m/gateway.js';
import type { MqttSnGateway } from '../mqttsn/gateway.js';
import type { UpstreamConnector } from '../upstream/types.js';

/**
 * `log.stats_interval`: one info line with the main counters every period
 * (totals since start; the delta of datagrams since the previous line).
 * Returns the stop function.
 */
export function startStatsLog(opts: {
  intervalMs: number;
  logger: Logger;
  mqttsn: MqttSnGateway | undefined;
  lwm2m: Lwm2mGateway | undefined;
  upstream: UpstreamConnector;
}): () => void {
  if (opts.intervalMs <= 0) return () => undefined;
  let lastIn = 0;
  let lastOut = 0;
  const timer = setInterval(() => {
    const sn = opts.mqttsn;
    const lw = opts.lwm2m;
    let datagramsIn = 0;
    let datagramsOut = 0;
    for (const l of sn?.listeners ?? []) {
      datagramsIn += l.endpoint.counters?.datagramsIn ?? 0;
      datagramsOut += l.endpoint.counters?.datagramsOut ?? 0;
    }
    for (const l of lw?.listeners ?? []) {
      datagramsIn += l.udp.counters?.datagramsIn ?? 0;
      datagramsOut += l.udp.counters?.datagramsOut ?? 0;
    }
    const health = opts.upstream.health;
    opts.logger.info(
      {
        mqttsn: sn === undefined ? undefined : { sessions: sn.table.size, ...sn.stats.snapshot() },
        lwm2m: lw === undefined ? undefined : { registrations: lw.store.size, observations: lw.bridge.observationCount },
        datagrams: { in: datagramsIn, out: datagramsOut, inSinceLast: datagramsIn - lastIn, outSinceLast: datagramsOut - lastOut },
        upstream: { connected: health === undefined || health.connected, reconnects: health?.reconnects ?? 0 },
      },
      'stats',
    );
    lastIn = datagramsIn;
    lastOut = datagramsOut;
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
