import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HoldReady, HoldStart } from '../hold-worker.js';

const workerFile = fileURLToPath(new URL('../hold-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Sockets one worker process holds at most (the usual hard `ulimit -n` here is 20,000). */
export const PER_WORKER_MAX = 15_000;
/** Ephemeral UDP ports per loopback source address (Linux default range 32768-60999), with margin. */
export const PER_ADDRESS_MAX = 25_000;

export interface FleetResult {
  readonly ok: number;
  readonly failed: number;
  /** Until the slowest worker had connected / registered its slice. */
  readonly elapsedMs: number;
  readonly firstError: string | undefined;
  readonly workers: number;
}

/**
 * A fleet of idle MQTT-SN clients or LwM2M devices spread over worker processes
 * (one socket each). `hold()` resolves once every worker finished its slice;
 * `release()` disconnects / de-registers all and ends the workers.
 */
export class HolderFleet {
  readonly #children: ChildProcess[] = [];

  async hold(
    opts: Omit<HoldStart, 'cmd' | 'firstIndex' | 'count' | 'localHosts'> & { total: number; procs: number; localHosts: number; deadline: number },
  ): Promise<FleetResult> {
    const procs = Math.max(1, opts.procs, Math.ceil(opts.total / PER_WORKER_MAX));
    const localHosts = Math.max(opts.localHosts, Math.ceil(opts.total / PER_ADDRESS_MAX));
    const per = Math.ceil(opts.total / procs);
    const start = performance.now();
    const readies: Promise<HoldReady>[] = [];
    for (let w = 0; w < procs; w++) {
      const firstIndex = w * per;
      const count = Math.min(per, opts.total - firstIndex);
      if (count <= 0) break;
      const child = fork(workerFile, [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.#children.push(child);
      readies.push(
        new Promise<HoldReady>((resolve, reject) => {
          child.on('message', (m: unknown) => {
            const evt = (m as { evt?: string }).evt;
            if (evt === 'ready') resolve(m as HoldReady);
            else if (evt === 'error') reject(new Error(`worker ${w}: ${(m as { message?: string }).message}`));
          });
          child.once('exit', (code) => reject(new Error(`worker ${w} exited (${code}) before it was ready`)));
        }),
      );
      const msg: HoldStart = {
        cmd: 'start',
        kind: opts.kind,
        host: opts.host,
        port: opts.port,
        firstIndex,
        count,
        localHosts,
        idPrefix: opts.idPrefix,
        keepAliveS: opts.keepAliveS,
        timeoutMs: opts.timeoutMs,
        concurrency: Math.max(1, Math.ceil(opts.concurrency / procs)),
      };
      child.send(msg);
    }
    const timer = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error('time limit reached before every worker was ready')), Math.max(0, opts.deadline - performance.now()));
      t.unref();
    });
    const results = await Promise.race([Promise.all(readies), timer]);
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    for (const r of results) {
      ok += r.ok;
      failed += r.failed;
      firstError ??= r.firstError;
    }
    return { ok, failed, elapsedMs: performance.now() - start, firstError, workers: readies.length };
  }

  /** Disconnects / de-registers everything and waits (bounded) for the workers to end. */
  async release(timeoutMs = 15_000): Promise<void> {
    await Promise.all(
      this.#children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const t = setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, timeoutMs);
            child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            if (child.connected) child.send({ cmd: 'release' });
            else child.kill('SIGTERM');
          }),
      ),
    );
  }
}
