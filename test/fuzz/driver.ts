import { createSocket, type Socket } from 'node:dgram';
import mqtt, { type MqttClient } from 'mqtt';
import { coapDatagram, learnFromGateway, type CoapFuzzState } from './coap-datagrams.js';
import { mqttSnDatagram } from './mqttsn-datagrams.js';
import { Random } from './random.js';
import { WellBehavedDevice } from './well-behaved-device.js';
import { WellBehavedSnClient } from './well-behaved-sn.js';

/** The gateway under fuzz: in this process (tests) or a child process (`npm run fuzz`). */
export interface FuzzTarget {
  readonly mqttsn: { readonly host: string; readonly port: number };
  readonly lwm2m: { readonly host: string; readonly port: number };
  /** The LwM2M bootstrap server's listener, when it runs: a quarter of the CoAP fuzz goes there. */
  readonly bootstrap?: { readonly host: string; readonly port: number } | undefined;
  readonly brokerUrl: string;
  /** Undefined while the gateway runs; why it stopped otherwise (a crash). */
  crashed(): string | undefined;
  /** Bytes the gateway holds: heap after GC in process, RSS of a child. */
  memory(): number | undefined;
  /** Lines the gateway logged at error or fatal level (a handler that threw is a finding too). */
  errorsLogged(): readonly string[];
}

export interface FuzzOptions {
  readonly seed: number;
  /** Datagrams per protocol. */
  readonly count: number;
  /** Fuzz sockets per protocol (distinct source ports). */
  readonly sockets?: number;
  /** Datagrams per protocol sent per tick. */
  readonly batch?: number;
  /** Extra pause between ticks (each tick already waits for the gateway's answer to a probe). */
  readonly tickMs?: number;
  /** How long a probe may stay unanswered before the next batch goes anyway. */
  readonly probeTimeoutMs?: number;
  /** How long to wait for the well-behaved traffic to complete after the fuzz. */
  readonly drainMs?: number;
  readonly progress?: (sent: number) => void;
  /** Take a memory sample every this many datagrams per protocol (0: none). */
  readonly sampleEvery?: number;
}

export interface FuzzResult {
  readonly seed: number;
  /** `lwm2m` counts the CoAP datagrams of both LwM2M listeners; `bootstrap` those that went to the bootstrap server. */
  readonly datagrams: { readonly mqttsn: number; readonly lwm2m: number; readonly bootstrap: number };
  /** Datagrams the gateway sent back to the fuzz sockets. */
  readonly answers: { readonly mqttsn: number; readonly lwm2m: number };
  readonly crash: string | undefined;
  /** Error-level log lines (first 10). */
  readonly errorsLogged: readonly string[];
  readonly wellBehaved: {
    readonly snUplinkSent: number;
    readonly snUplinkLost: number;
    readonly snDownlinkSent: number;
    readonly snDownlinkLost: number;
    readonly snDisconnects: number;
    readonly snRefusals: readonly string[];
    readonly lwm2mReadsSent: number;
    readonly lwm2mReadsLost: number;
  };
  /** Probes that were not answered in time (the gateway was behind or dropped them). */
  readonly probesUnanswered: number;
  /** [datagrams per protocol sent, memory] during the run. */
  readonly memorySamples: readonly (readonly [number, number | undefined])[];
  readonly memoryBefore: number | undefined;
  readonly memoryAfter: number | undefined;
  readonly durationMs: number;
}

/** Downlink messages in flight at most (sent by the broker side, not yet received by the client). */
const DOWNLINK_WINDOW = 16;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function openSocket(onMessage: (msg: Buffer) => void): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', onMessage);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/**
 * Seeded, bounded mutation fuzzing of both protocols over real UDP, while a
 * well-behaved MQTT-SN client (QoS 1 uplink, QoS 1 subscription) and a
 * well-behaved LwM2M device (registered, answering reads sent as MQTT
 * commands) keep working. Returns what was sent, what was lost and whether
 * the gateway survived; the caller asserts.
 */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const rand = new Random(options.seed);
  const tag = `wb${options.seed.toString(36)}x${process.pid}`;
  const watcher: MqttClient = await mqtt.connectAsync(target.brokerUrl, { reconnectPeriod: 500, clientId: `${tag}-watcher` });
  const sn = { up: new Set<number>(), upSent: 0, downSent: 0 };
  const reads = new Map<number, boolean>();
  const snClient = await WellBehavedSnClient.start(target.mqttsn.host, target.mqttsn.port, `${tag}-sn`, `${tag}`);
  const device = await startDevice(target, watcher, `${tag}-dev`);
  const responseTopic = `lwm2m/${device.endpoint}/response`;
  watcher.on('message', (topic, payload) => {
    if (topic === snClient.upTopic) {
      const match = /^up-(\d+)$/.exec(payload.toString());
      if (match !== null) sn.up.add(Number(match[1]));
    } else if (topic === responseTopic) {
      const answer = parseJson(payload);
      const id = typeof answer?.['reqID'] === 'number' ? answer['reqID'] : undefined;
      const data = answer?.['data'] as Record<string, unknown> | undefined;
      if (id !== undefined && answer?.['msgType'] === 'read' && data?.['code'] === '2.05') reads.set(id, true);
    }
  });
  await watcher.subscribeAsync(snClient.upTopic, { qos: 1 });

  // Fuzz sockets: answers are counted, CoAP answers teach locations and tokens.
  const answers = { mqttsn: 0, lwm2m: 0 };
  const socketCount = options.sockets ?? 8;
  const snSockets: Socket[] = [];
  const coapSockets: { socket: Socket; state: CoapFuzzState }[] = [];
  for (let i = 0; i < socketCount; i += 1) {
    snSockets.push(await openSocket(() => (answers.mqttsn += 1)));
    const state: CoapFuzzState = { locations: [], tokens: [] };
    coapSockets.push({
      socket: await openSocket((msg) => {
        answers.lwm2m += 1;
        learnFromGateway(state, msg);
      }),
      state,
    });
  }
  const probes = await Probes.open(target);
  const memoryBefore = target.memory();

  // Well-behaved traffic runs alongside the fuzz until `stop`.
  let stop = false;
  const snUplink = (async () => {
    for (let seq = 1; !stop; seq += 1) {
      sn.upSent = seq;
      await snClient.publish(seq);
    }
  })();
  // Downlink with a window, as an application that waits for its messages to arrive: the gateway's
  // per-client buffer (sleep_buffer_size) is bounded, and a fuzz flood slows the client's PUBACKs.
  const snDownlink = (async () => {
    for (let seq = 1; !stop; seq += 1) {
      while (seq - countUpTo(snClient.received, seq) > DOWNLINK_WINDOW && !stop) await sleep(5);
      await watcher.publishAsync(snClient.downTopic, `down-${seq}`, { qos: 1 });
      sn.downSent = seq;
      await sleep(10);
    }
  })();
  let readsSent = 0;
  const lwm2mReads = (async () => {
    for (let id = 1; !stop; id += 1) {
      readsSent = id;
      await watcher.publishAsync(`lwm2m/${device.endpoint}/command`, JSON.stringify({ reqID: id, msgType: 'read', data: { path: '/3/0/0' } }), { qos: 1 });
      const deadline = performance.now() + 30_000;
      while (reads.get(id) !== true && performance.now() < deadline && target.crashed() === undefined) await sleep(5);
    }
  })();

  let sent = 0;
  let toBootstrap = 0;
  const bootstrap = target.bootstrap;
  const batch = options.batch ?? 32;
  const sampleEvery = options.sampleEvery ?? 0;
  const memorySamples: [number, number | undefined][] = [];
  while (sent < options.count && target.crashed() === undefined) {
    const n = Math.min(batch, options.count - sent);
    for (let i = 0; i < n; i += 1) {
      const snSocket = snSockets[rand.int(socketCount)];
      snSocket.send(mqttSnDatagram(rand), target.mqttsn.port, target.mqttsn.host);
      const coap = coapSockets[rand.int(socketCount)];
      const destination = bootstrap !== undefined && rand.chance(0.25) ? bootstrap : target.lwm2m;
      if (destination === bootstrap) toBootstrap += 1;
      coap.socket.send(coapDatagram(rand, coap.state), destination.port, destination.host);
    }
    sent += n;
    if (options.progress !== undefined && sent % 10_000 < n) options.progress(sent);
    if (sampleEvery > 0 && sent % sampleEvery < n) memorySamples.push([sent, target.memory()]);
    // Closed loop: the next batch leaves once the gateway answered a probe sent behind this one
    // (a socket's datagrams are read in order), so the fuzz never outruns the gateway into kernel drops.
    await probes.roundTrip(options.probeTimeoutMs ?? 2000);
    if ((options.tickMs ?? 0) > 0) await sleep(options.tickMs ?? 0);
  }

  // Drain: the well-behaved traffic finishes what it started.
  stop = true;
  const drainDeadline = performance.now() + (options.drainMs ?? 20_000);
  await Promise.race([Promise.allSettled([snUplink, snDownlink, lwm2mReads]), sleep(options.drainMs ?? 20_000)]);
  const complete = (): boolean =>
    countUpTo(sn.up, sn.upSent) >= sn.upSent &&
    countUpTo(snClient.received, sn.downSent) >= sn.downSent &&
    countUpTo(new Set(reads.keys()), readsSent) >= readsSent;
  while (!complete() && performance.now() < drainDeadline && target.crashed() === undefined) await sleep(20);
  const memoryAfter = target.memory();

  const result: FuzzResult = {
    seed: options.seed,
    datagrams: { mqttsn: sent, lwm2m: sent, bootstrap: toBootstrap },
    answers,
    crash: target.crashed(),
    errorsLogged: target.errorsLogged().slice(0, 10),
    wellBehaved: {
      snUplinkSent: sn.upSent,
      snUplinkLost: sn.upSent - countUpTo(sn.up, sn.upSent),
      snDownlinkSent: sn.downSent,
      snDownlinkLost: sn.downSent - countUpTo(snClient.received, sn.downSent),
      snDisconnects: snClient.disconnects,
      snRefusals: snClient.refusals.slice(0, 10),
      lwm2mReadsSent: readsSent,
      lwm2mReadsLost: readsSent - countUpTo(new Set(reads.keys()), readsSent),
    },
    probesUnanswered: probes.unanswered,
    memorySamples,
    memoryBefore,
    memoryAfter,
    durationMs: Math.round(performance.now() - started),
  };
  probes.close();
  for (const socket of snSockets) socket.close();
  for (const { socket } of coapSockets) socket.close();
  await snClient.close();
  await device.close();
  await watcher.endAsync(true);
  return result;
}

async function startDevice(target: FuzzTarget, watcher: MqttClient, endpoint: string): Promise<WellBehavedDevice> {
  const topic = `lwm2m/${endpoint}/response`;
  await watcher.subscribeAsync(topic, { qos: 1 });
  const registered = new Promise<void>((resolve) => {
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic || parseJson(payload)?.['msgType'] !== 'register') return;
      watcher.off('message', onMessage);
      resolve();
    };
    watcher.on('message', onMessage);
  });
  const device = await WellBehavedDevice.start(target.lwm2m.host, target.lwm2m.port, endpoint);
  await registered;
  return device;
}

function countUpTo(set: ReadonlySet<number>, max: number): number {
  let n = 0;
  for (let i = 1; i <= max; i += 1) if (set.has(i)) n += 1;
  return n;
}

function parseJson(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString());
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One probe per listener on sockets of their own: SEARCHGW is answered with
 * GWINFO (MQTT-SN v1.2 §6.1), an Empty CON with RST (a CoAP ping, RFC 7252
 * §4.3) by the LwM2M and the bootstrap listener. All are answered at once,
 * statelessly.
 */
class Probes {
  unanswered = 0;
  readonly #sn: Socket;
  readonly #coap: Socket;
  readonly #bootstrap: Socket;
  readonly #target: FuzzTarget;
  #mid = 0;
  readonly #waiters = new Map<string, () => void>();

  private constructor(sn: Socket, coap: Socket, bootstrap: Socket, target: FuzzTarget) {
    this.#sn = sn;
    this.#coap = coap;
    this.#bootstrap = bootstrap;
    this.#target = target;
  }

  static async open(target: FuzzTarget): Promise<Probes> {
    let probes: Probes | undefined;
    const sn = await openSocket((msg) => {
      if (msg.length >= 2 && msg[1] === 0x02) probes?.answer('sn');
    });
    const coap = await openSocket((msg) => {
      if (msg.length >= 4 && msg[0] >> 4 === 0x07) probes?.answer(`coap${msg.readUInt16BE(2)}`);
    });
    const bootstrap = await openSocket((msg) => {
      if (msg.length >= 4 && msg[0] >> 4 === 0x07) probes?.answer(`bs${msg.readUInt16BE(2)}`);
    });
    probes = new Probes(sn, coap, bootstrap, target);
    return probes;
  }

  async roundTrip(timeoutMs: number): Promise<void> {
    this.#mid = (this.#mid + 1) & 0xffff;
    const bootstrap = this.#target.bootstrap;
    const keys = ['sn', `coap${this.#mid}`, ...(bootstrap === undefined ? [] : [`bs${this.#mid}`])];
    const answered = keys.map(
      (key) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            this.#waiters.delete(key);
            resolve(false);
          }, timeoutMs);
          this.#waiters.set(key, () => {
            clearTimeout(timer);
            resolve(true);
          });
        }),
    );
    this.#sn.send(Buffer.from([0x03, 0x01, 0x00]), this.#target.mqttsn.port, this.#target.mqttsn.host);
    const ping = Buffer.from([0x40, 0x00, this.#mid >> 8, this.#mid & 0xff]);
    this.#coap.send(ping, this.#target.lwm2m.port, this.#target.lwm2m.host);
    if (bootstrap !== undefined) this.#bootstrap.send(ping, bootstrap.port, bootstrap.host);
    for (const ok of await Promise.all(answered)) if (!ok) this.unanswered += 1;
  }

  close(): void {
    this.#sn.close();
    this.#coap.close();
    this.#bootstrap.close();
  }

  answer(key: string): void {
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    waiter?.();
  }
}
