import { SimDevicePool } from './lwm2m/device-pool.js';
import { SnClientPool } from './mqttsn/client-pool.js';
import { connect, disconnectAll } from './mqttsn/session-steps.js';

/**
 * Child process of the idle scenarios (see common/holder-fleet.ts): holds a slice of
 * the fleet (MQTT-SN clients connected, or LwM2M devices registered) so a fleet can
 * be larger than one process's file-descriptor limit. Talks to the parent over IPC:
 * `start` -> `ready` (counts), `release` -> disconnect / de-register -> `released`, exit.
 */
export interface HoldStart {
  readonly cmd: 'start';
  readonly kind: 'mqttsn' | 'lwm2m';
  readonly host: string;
  readonly port: number;
  readonly firstIndex: number;
  readonly count: number;
  readonly localHosts: number;
  readonly idPrefix: string;
  /** MQTT-SN keepalive or LwM2M lifetime, seconds. */
  readonly keepAliveS: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

export interface HoldReady {
  readonly evt: 'ready';
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly firstError: string | undefined;
}

let release: (() => Promise<void>) | undefined;

function send(msg: object): void {
  process.send?.(msg);
}

async function start(m: HoldStart): Promise<void> {
  if (m.kind === 'mqttsn') {
    const pool = await SnClientPool.open({
      count: m.count,
      idPrefix: m.idPrefix,
      gatewayHost: m.host,
      gatewayPort: m.port,
      localHosts: m.localHosts,
      indexOffset: m.firstIndex,
    });
    const r = await pool.phaseLimited((c) => connect(c, { keepAliveS: m.keepAliveS, cleanSession: true, timeoutMs: m.timeoutMs }), m.concurrency);
    release = async () => {
      await disconnectAll(pool.clients, 5000, m.concurrency);
      pool.close();
    };
    send({ evt: 'ready', ok: r.ok, failed: r.failed, elapsedMs: r.elapsedMs, firstError: r.firstError } satisfies HoldReady);
  } else {
    const pool = await SimDevicePool.open({
      count: m.count,
      endpointPrefix: m.idPrefix,
      gatewayHost: m.host,
      gatewayPort: m.port,
      localHosts: m.localHosts,
      firstIndex: m.firstIndex,
    });
    const r = await pool.phase((d) => d.register(m.keepAliveS, '</1/0>,</3/0>', m.timeoutMs), m.concurrency);
    release = async () => {
      await pool.phase((d) => d.deregister(5000), m.concurrency);
      pool.close();
    };
    send({ evt: 'ready', ok: r.ok, failed: r.failed, elapsedMs: r.elapsedMs, firstError: r.firstError } satisfies HoldReady);
  }
}

process.on('message', (raw: unknown) => {
  const m = raw as { cmd?: string };
  if (m.cmd === 'start') {
    start(raw as HoldStart).catch((err: unknown) => {
      send({ evt: 'error', message: err instanceof Error ? err.message : String(err) });
    });
  } else if (m.cmd === 'release') {
    void (release ?? (async () => undefined))().finally(() => {
      send({ evt: 'released' });
      setTimeout(() => process.exit(0), 50);
    });
  }
});
// The parent went away: never outlive it.
process.on('disconnect', () => process.exit(0));
