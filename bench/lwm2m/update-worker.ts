/**
 * Child process of the `soak` scenario: N LwM2M devices (one UDP socket each)
 * register, then send an Update whenever the parent says `update`, and
 * de-register on `stop`. A process of its own because the sockets of both
 * fleets do not fit under one process's file-descriptor limit.
 *
 * IPC in:  { cmd: 'start', count, endpointPrefix, gatewayHost, gatewayPort, localHosts, lifetimeS, concurrency, timeoutMs }
 *          { cmd: 'update', spreadMs? } | { cmd: 'stop' }
 * IPC out: { evt: 'registered' | 'updated' | 'stopped', ok, failed, elapsedMs, firstError }
 */
import { SimDevicePool } from './device-pool.js';

interface Start {
  readonly cmd: 'start';
  readonly count: number;
  readonly endpointPrefix: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly localHosts: number;
  readonly lifetimeS: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

let pool: SimDevicePool | undefined;
let start: Start | undefined;

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

process.on('message', (raw: unknown) => {
  const message = raw as { cmd?: string };
  void (async () => {
    try {
      if (message.cmd === 'start') {
        start = message as Start;
        pool = await SimDevicePool.open({
          count: start.count,
          endpointPrefix: start.endpointPrefix,
          gatewayHost: start.gatewayHost,
          gatewayPort: start.gatewayPort,
          localHosts: start.localHosts,
          firstIndex: 0,
        });
        const r = await pool.phase((d) => d.register(start?.lifetimeS ?? 600, '</1/0>,</3/0>', start?.timeoutMs ?? 10_000), start.concurrency);
        send({ evt: 'registered', ...r });
      } else if (message.cmd === 'update' && pool !== undefined && start !== undefined) {
        const lifetime = start.lifetimeS;
        const timeout = start.timeoutMs;
        // spreadMs: device i sends its Update i x (spreadMs / count) after the command (0 = all at once).
        const spreadMs = typeof (message as { spreadMs?: unknown }).spreadMs === 'number' ? (message as { spreadMs: number }).spreadMs : 0;
        const devices = pool.devices;
        const gapMs = spreadMs / Math.max(1, devices.length);
        const begun = performance.now();
        const order = new Map(devices.map((d, i) => [d, i]));
        const r = await pool.phase(async (d) => {
          const wait = begun + (order.get(d) ?? 0) * gapMs - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          await d.update(lifetime, timeout);
        }, start.concurrency);
        send({ evt: 'updated', ...r });
      } else if (message.cmd === 'stop') {
        const r = pool === undefined ? undefined : await pool.phase((d) => d.deregister(5000), 500);
        pool?.close();
        send({ evt: 'stopped', ...(r ?? { ok: 0, failed: 0, elapsedMs: 0, firstError: undefined }) });
        process.disconnect?.();
      }
    } catch (err) {
      send({ evt: 'error', message: (err as Error).message });
    }
  })();
});
