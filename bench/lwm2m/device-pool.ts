import { SimDevice } from './device-sim.js';

export interface DevicePoolOptions {
  readonly count: number;
  readonly endpointPrefix: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly localHosts: number;
  /** First device index (worker processes hold slices of one fleet). */
  readonly firstIndex?: number;
}

export interface DevicePhaseResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly firstError: string | undefined;
}

/** N simulated devices plus ONE sweep timer that expires overdue requests of all of them. */
export class SimDevicePool {
  readonly devices: SimDevice[];
  #sweep: NodeJS.Timeout;

  private constructor(devices: SimDevice[]) {
    this.devices = devices;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const d of this.devices) if (d.pending) d.expire(now);
    }, 50);
  }

  static async open(opts: DevicePoolOptions): Promise<SimDevicePool> {
    const devices = new Array<SimDevice>(opts.count);
    const hosts = Math.max(1, Math.min(254, Math.floor(opts.localHosts)));
    const first = opts.firstIndex ?? 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < opts.count) {
        const i = next++;
        const index = first + i;
        devices[i] = await SimDevice.open({
          index,
          endpoint: `${opts.endpointPrefix}${index}`,
          gatewayHost: opts.gatewayHost,
          gatewayPort: opts.gatewayPort,
          localHost: `127.0.0.${1 + (index % hosts)}`,
        });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(256, opts.count) }, worker));
    } catch (err) {
      for (const d of devices) d?.close();
      throw new Error(`could not open ${opts.count} UDP sockets (${(err as Error).message}); raise \`ulimit -n\` or use --procs / --local-hosts`);
    }
    return new SimDevicePool(devices);
  }

  /** Runs `step` for every device, at most `concurrency` at a time (0 = all at once). */
  async phase(step: (d: SimDevice) => Promise<unknown>, concurrency = 0, devices: readonly SimDevice[] = this.devices): Promise<DevicePhaseResult> {
    const start = performance.now();
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    let next = 0;
    const lanes = concurrency > 0 ? Math.min(concurrency, devices.length) : devices.length;
    const lane = async (): Promise<void> => {
      while (next < devices.length) {
        const d = devices[next++];
        try {
          await step(d);
          ok++;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
    return { ok, failed, elapsedMs: performance.now() - start, firstError };
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const d of this.devices) d.close();
  }
}
