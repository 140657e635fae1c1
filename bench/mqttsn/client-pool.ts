import { SnLoadClient } from './load-client.js';

export interface PoolOptions {
  readonly count: number;
  readonly idPrefix: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  /** How many loopback source addresses to spread clients over (127.0.0.1, 127.0.0.2, ...). */
  readonly localHosts: number;
  /** Sockets opened concurrently while building the pool. */
  readonly openConcurrency?: number;
  /** First client index (worker processes hold slices of one fleet). */
  readonly indexOffset?: number;
}

export interface PhaseResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly firstError: string | undefined;
}

/**
 * N load clients plus ONE sweep timer that expires overdue requests for all of them
 * (no timer per client).
 */
export class SnClientPool {
  readonly clients: SnLoadClient[];
  #sweep: NodeJS.Timeout;

  private constructor(clients: SnLoadClient[]) {
    this.clients = clients;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const c of this.clients) if (c.pending) c.expire(now);
    }, 50);
  }

  static async open(opts: PoolOptions): Promise<SnClientPool> {
    const clients: SnLoadClient[] = new Array<SnLoadClient>(opts.count);
    const hosts = Math.max(1, Math.min(254, Math.floor(opts.localHosts)));
    const concurrency = opts.openConcurrency ?? 256;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < opts.count) {
        const i = next++;
        const index = (opts.indexOffset ?? 0) + i;
        clients[i] = await SnLoadClient.open({
          index,
          clientId: `${opts.idPrefix}${index}`,
          gatewayHost: opts.gatewayHost,
          gatewayPort: opts.gatewayPort,
          localHost: `127.0.0.${1 + (index % hosts)}`,
        });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, opts.count) }, worker));
    } catch (err) {
      for (const c of clients) c?.close();
      throw new Error(`could not open ${opts.count} UDP sockets (${(err as Error).message}); ` + 'raise `ulimit -n`, or spread clients with --local-hosts');
    }
    return new SnClientPool(clients);
  }

  /** Runs `step` for every client at once; counts successes and failures. */
  async phase(step: (c: SnLoadClient) => Promise<unknown>, clients: readonly SnLoadClient[] = this.clients): Promise<PhaseResult> {
    const start = performance.now();
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    await Promise.all(
      clients.map((c) =>
        step(c).then(
          () => void ok++,
          (err: unknown) => {
            failed++;
            firstError ??= err instanceof Error ? err.message : String(err);
          },
        ),
      ),
    );
    return { ok, failed, elapsedMs: performance.now() - start, firstError };
  }

  /** Like phase(), but at most `concurrency` clients in a step at a time. */
  async phaseLimited(step: (c: SnLoadClient) => Promise<unknown>, concurrency: number): Promise<PhaseResult> {
    const start = performance.now();
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.clients.length) {
        const c = this.clients[next++];
        try {
          await step(c);
          ok++;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, this.clients.length)) }, worker));
    return { ok, failed, elapsedMs: performance.now() - start, firstError };
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const c of this.clients) c.close();
  }
}
