import type { Socket } from 'node:dgram';
import { generate, parse } from 'coap-packet';
import { openConnectedSocket } from '../../common/connected-socket.js';
import { LatencyHistogram } from '../../common/histogram.js';
import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond } from '../../common/time.js';

/** CON GET / with this Message ID: 4 bytes, answered 4.04 (a new dedup entry for every distinct (port, MID)). */
function floodRequest(messageId: number): Buffer {
  return Buffer.from([0x40, 0x01, messageId >> 8, messageId & 0xff]);
}

/**
 * The well-behaved device: registers, then sends one Update at a time and
 * times each 2.04 (the path every LwM2M device keeps using: dedup,
 * registrar, bridge). Updates not answered within `timeoutMs` count as lost.
 */
class UpdateProbe {
  readonly #socket: Socket;
  #messageId = 1;
  #location: string[] = [];
  #pending: { messageId: number; sentAt: number; resolve: (ok: boolean) => void } | undefined;
  sent = 0;
  lost = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg) => {
      let p;
      try {
        p = parse(msg);
      } catch {
        return;
      }
      const pending = this.#pending;
      if (pending === undefined || p.messageId !== pending.messageId) return;
      this.#pending = undefined;
      if (p.code === '2.01') this.#location = p.options.filter((o) => o.name === 'Location-Path').map((o) => o.value.toString());
      pending.resolve(p.code.startsWith('2.'));
    });
  }

  static async open(host: string, port: number): Promise<UpdateProbe> {
    return new UpdateProbe(await openConnectedSocket('127.0.0.1', host, port));
  }

  async register(endpoint: string): Promise<void> {
    const ok = await this.#request(['rd'], [`ep=${endpoint}`, 'lt=3600', 'lwm2m=1.0'], Buffer.from('</1/0>,</3/0>'), 5000);
    if (!ok || this.#location.length === 0) throw new Error('the probe device could not register');
  }

  /** One Update; resolves with its round-trip time in ms, or undefined when lost. */
  async update(timeoutMs: number): Promise<number | undefined> {
    const start = performance.now();
    this.sent++;
    const ok = await this.#request(this.#location, [], undefined, timeoutMs);
    if (!ok) {
      this.lost++;
      return undefined;
    }
    return performance.now() - start;
  }

  #request(path: string[], query: string[], payload: Buffer | undefined, timeoutMs: number): Promise<boolean> {
    const messageId = (this.#messageId = (this.#messageId + 1) & 0xffff);
    const options = [...path.map((p) => ({ name: 'Uri-Path', value: Buffer.from(p) })), ...query.map((q) => ({ name: 'Uri-Query', value: Buffer.from(q) }))];
    if (payload !== undefined) options.push({ name: 'Content-Format', value: Buffer.from([40]) });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.#pending?.messageId === messageId) this.#pending = undefined;
        resolve(false);
      }, timeoutMs);
      this.#pending = {
        messageId,
        sentAt: performance.now(),
        resolve: (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      this.#socket.send(
        generate({ confirmable: true, code: '0.02', messageId, token: Buffer.from([1, 2, 3, 4]), options, payload: payload ?? Buffer.alloc(0) }),
      );
    });
  }

  close(): void {
    this.#socket.close();
  }
}

/**
 * A flood of distinct CON requests from unverified loopback peers (many
 * sockets, every Message ID once per socket: each request is new to the
 * gateway's duplicate detection) while one registered device keeps sending
 * Updates. Reports the gateway's answer rate and the device's Update
 * latency at the start and the end of the flood, and RSS.
 */
export const lwm2mFloodScenario: Scenario = {
  name: 'lwm2m-flood',
  summary: "distinct CON requests from unverified peers; answer rate, a registered device's Update latency and RSS, start vs end",
  target: 'lwm2m',
  options: {
    requests: { type: 'number', default: 2_000_000, help: 'distinct flood requests in total' },
    sockets: { type: 'number', default: 64, help: 'flood sockets (distinct source ports); each sends at most 65,536 requests' },
    window: { type: 'number', default: 512, help: 'flood requests outstanding (sent, not yet answered) at most' },
    'probe-interval': { type: 'number', default: 20, help: "ms between the probe device's Updates" },
    'probe-timeout': { type: 'number', default: 2000, help: 'ms before an Update counts as lost' },
    slices: { type: 'number', default: 10, help: 'the flood is reported in this many equal slices (rate and latency per slice)' },
  },
  async run(ctx) {
    const o = ctx.options;
    const total = o.num('requests');
    const socketCount = Math.max(Math.ceil(total / 65_536), o.num('sockets'));
    const window = o.num('window');
    const sliceCount = Math.max(2, o.num('slices'));
    const sliceSize = Math.ceil(total / sliceCount);
    const probe = await UpdateProbe.open(ctx.target.host, ctx.target.port);
    const sockets: Socket[] = [];
    try {
      await probe.register(`flood-probe-${ctx.runTag}`);
      for (let i = 0; i < socketCount; i++) sockets.push(await openConnectedSocket('127.0.0.1', ctx.target.host, ctx.target.port));
      const rssBefore = ctx.sampleRss();
      let sent = 0;
      let answered = 0;
      let written = 0; // sends the load side gave up waiting for (assumed lost) are re-credited here
      const sliceEnds: number[] = [];
      const sliceCpu: (number | undefined)[] = [];
      const sliceHists = Array.from({ length: sliceCount }, () => new LatencyHistogram());
      const start = performance.now();
      const cpuStart = ctx.sampleCpuSeconds();
      let stopped = false;
      for (const s of sockets) {
        s.on('message', () => {
          answered++;
          if (answered % sliceSize === 0) {
            sliceEnds.push(performance.now());
            sliceCpu.push(ctx.sampleCpuSeconds());
          }
        });
      }
      // The probe runs alongside; its latency is filed under the slice the flood is in.
      const probing = (async () => {
        while (!stopped && performance.now() < ctx.deadline - 5000) {
          const rtt = await probe.update(o.num('probe-timeout'));
          const slice = Math.min(sliceCount - 1, Math.floor(answered / sliceSize));
          if (rtt !== undefined) sliceHists[slice].recordSince(0, rtt);
          await delay(o.num('probe-interval'));
        }
      })();
      let lastProgress = performance.now();
      let lastAnswered = 0;
      while (sent < total && performance.now() < ctx.deadline - 10_000) {
        while (sent - answered - written < window && sent < total) {
          const socket = sockets[sent % socketCount];
          const messageId = Math.floor(sent / socketCount) & 0xffff;
          socket.send(floodRequest(messageId));
          sent++;
        }
        await new Promise((r) => setImmediate(r));
        const now = performance.now();
        if (answered !== lastAnswered) {
          lastAnswered = answered;
          lastProgress = now;
        } else if (now - lastProgress > 200) {
          // Nothing answered for 200 ms: what is outstanding was dropped (socket buffers); send on.
          written = sent - answered;
          lastProgress = now;
        }
      }
      const floodMs = performance.now() - start;
      const drainUntil = performance.now() + 2000;
      while (answered < sent && performance.now() < drainUntil) await delay(20);
      stopped = true;
      await probing;
      // A last, partial slice when some flood requests went unanswered (dropped in socket buffers).
      const lastSliceCount = answered - sliceEnds.length * sliceSize;
      if (lastSliceCount > 0 && sliceEnds.length < sliceCount) {
        sliceEnds.push(performance.now());
        sliceCpu.push(ctx.sampleCpuSeconds());
      }
      const countOf = (i: number): number => (i < Math.floor(answered / sliceSize) ? sliceSize : lastSliceCount);
      const rssAfter = ctx.sampleRss();
      const sliceRates: number[] = [];
      let prev = start;
      sliceEnds.forEach((end, i) => {
        sliceRates.push(Math.round(countOf(i) / ((end - prev) / 1000)));
        prev = end;
      });
      const extra: Record<string, number | string | undefined> = {
        answered,
        floodSockets: socketCount,
        probeUpdates: probe.sent,
        probeLost: probe.lost,
        rateFirstSlice: sliceRates[0],
        rateLastSlice: sliceRates[sliceRates.length - 1],
        rssBeforeFloodBytes: rssBefore,
        rssAfterFloodBytes: rssAfter,
      };
      sliceRates.forEach((r, i) => (extra[`rateSlice${i + 1}`] = r));
      // Gateway CPU per answered request in each slice: what the gateway spends, whatever else the machine runs.
      let cpuPrev = cpuStart;
      sliceCpu.forEach((cpu, i) => {
        if (cpu !== undefined && cpuPrev !== undefined) extra[`cpuUsPerRequestSlice${i + 1}`] = Math.round(((cpu - cpuPrev) * 1e6) / countOf(i));
        cpuPrev = cpu;
      });
      const firstLatency = sliceHists[0].summary();
      const lastLatency = sliceHists[sliceCount - 1].summary();
      return {
        durationMs: Math.round(floodMs),
        sent,
        received: answered,
        lost: sent - answered,
        messagesPerSecond: perSecond(answered, floodMs),
        latencyMs: lastLatency,
        extra: { ...extra, probeLatencyFirstSlice: firstLatency, probeLatencyLastSlice: lastLatency },
        notes: [
          `flood: ${total} distinct CON GET / (4 bytes, answered 4.04) from ${socketCount} loopback sockets, at most ${window} outstanding`,
          `rateSliceN = answers per second in the N-th of ${sliceCount} equal slices of the flood; cpuUsPerRequestSliceN = gateway CPU microseconds per request in it`,
          "latencyMs = the registered probe device's Update round trip during the last slice (probeLatencyFirstSlice: the first)",
        ],
      };
    } finally {
      for (const s of sockets) s.close();
      probe.close();
    }
  },
};
