import { CoapOption, stringOptions } from '../../lwm2m/coap/message.js';
import { ContentFormat } from '../../lwm2m/content/index.js';
import type { ModelRegistry } from '../../lwm2m/model/types.js';
import { formatPath, type Lwm2mPath } from '../../lwm2m/path.js';
import type { PskCredentials } from '../psk-options.js';
import { CoapPeer } from './coap-peer.js';
import { DeviceState } from './device-state.js';
import { RequestHandler } from './request-handler.js';

export interface DeviceOptions {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  /** CoAP over DTLS with this pre-shared key (the gateway's `lwm2m.listeners.dtls`); plain UDP without. */
  readonly psk?: PskCredentials | undefined;
  /** Registration lifetime, seconds. */
  readonly lifetime: number;
  readonly lwm2mVersion: '1.0' | '1.1' | '1.2';
  /** Queue mode (LwM2M 1.1 Transport §6.5): reachable only for `awakeSeconds` after each message it sends. */
  readonly queueMode: boolean;
  readonly awakeSeconds: number;
  /** Queue mode: send an Update (and so wake up) this often. */
  readonly wakeSeconds: number;
  readonly objectIds: readonly number[];
  readonly models: ModelRegistry;
  /** Send (LwM2M 1.1 Transport §6.5.1) right after registering and then every this many seconds; undefined = never. */
  readonly sendIntervalSeconds?: number | undefined;
  /** SenML JSON or SenML CBOR, for Send. */
  readonly sendFormat?: number | undefined;
  /** One line per event (registered, each request answered, notifications). */
  readonly log: (line: string) => void;
}

export interface DeviceCounters {
  requests: number;
  notifications: number;
  sends: number;
}

/** The values a Send carries: the ones that change on their own (temperature, battery level), where offered. */
const SEND_PATHS: readonly Lwm2mPath[] = [
  { objectId: 3303, instanceId: 0, resourceId: 5700 },
  { objectId: 3, instanceId: 0, resourceId: 9 },
];

const TICK_MS = 1000;

/**
 * One simulated LwM2M client: Register (LwM2M 1.1 Core §6.2.1, Transport
 * §6.2), Update before the lifetime ends (or on every wake-up in queue mode),
 * Device Management requests answered from `DeviceState`, notifications per
 * write-attributes, De-register on stop.
 */
export class SimulatedDevice {
  readonly counters: DeviceCounters = { requests: 0, notifications: 0, sends: 0 };
  readonly #options: DeviceOptions;
  readonly #state: DeviceState;
  readonly #handler: RequestHandler;
  #peer: CoapPeer | undefined;
  #location: string[] = [];
  #timers: NodeJS.Timeout[] = [];
  #sleepTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: DeviceOptions) {
    this.#options = options;
    const binding = options.queueMode && options.lwm2mVersion === '1.0' ? 'UQ' : 'U';
    this.#state = new DeviceState(options.models, options.objectIds, options.endpoint, options.lifetime, binding);
    this.#handler = new RequestHandler(this.#state, options.models, options.lwm2mVersion !== '1.0');
  }

  get endpoint(): string {
    return this.#options.endpoint;
  }

  async start(): Promise<void> {
    const o = this.#options;
    const peer = await CoapPeer.open(o.host, o.port, o.psk);
    this.#peer = peer;
    peer.onRequest = (req) => {
      this.counters.requests += 1;
      const handled = this.#handler.handle(req);
      o.log(`${o.endpoint}: ${handled.summary}`);
      this.#stayAwake();
      return handled.answer;
    };
    peer.onReset = (token) => this.#handler.observations.delete(token.toString('hex'));
    await this.#register();
    this.#timers.push(setInterval(() => this.#tick(), TICK_MS));
    const updateEvery = o.queueMode ? o.wakeSeconds : Math.max(1, Math.floor(o.lifetime * 0.8));
    this.#timers.push(setInterval(() => void this.#update(), updateEvery * 1000));
    this.#stayAwake();
    if (o.sendIntervalSeconds !== undefined) {
      void this.#send();
      this.#timers.push(setInterval(() => void this.#send(), o.sendIntervalSeconds * 1000));
    }
  }

  /** Send (LwM2M 1.1 Transport §6.5.1): POST /dp with the current sensor values as SenML. */
  async #send(): Promise<void> {
    const o = this.#options;
    if (this.#stopped || this.#peer === undefined) return;
    const format = o.sendFormat ?? ContentFormat.SENML_CBOR;
    const content = this.#handler.sendContent(SEND_PATHS, format);
    if (content === undefined) return;
    this.#stayAwake();
    try {
      const answer = await this.#peer.request({ code: '0.02', path: ['dp'], format, payload: content.payload });
      this.counters.sends += 1;
      o.log(`${o.endpoint}: send ${content.shown} -> ${answer.code}`);
    } catch (err) {
      o.log(`${o.endpoint}: send failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async #register(): Promise<void> {
    const o = this.#options;
    const peer = this.#peer as CoapPeer;
    const query = [`ep=${o.endpoint}`, `lt=${o.lifetime}`, `lwm2m=${o.lwm2mVersion}`];
    if (o.lwm2mVersion !== '1.0') {
      query.push('b=U');
      if (o.queueMode) query.push('Q');
    } else query.push(o.queueMode ? 'b=UQ' : 'b=U');
    const links = this.#state.objectIds().map((id) => {
      const model = o.models.get(id);
      const ver = o.lwm2mVersion !== '1.0' && model !== undefined && model.version !== '1.0' ? `;ver=${model.version}` : '';
      return `</${id}/0>${ver}`;
    });
    const answer = await peer.request({ code: '0.02', path: ['rd'], query, format: ContentFormat.LINK_FORMAT, payload: Buffer.from(links.join(',')) });
    if (answer.code !== '2.01') {
      const reason = answer.payload.length > 0 ? `: ${answer.payload.toString('utf8')}` : '';
      throw new Error(`${o.endpoint}: registration refused with ${answer.code}${reason}`);
    }
    this.#location = stringOptions(answer, CoapOption.LOCATION_PATH);
    o.log(
      `${o.endpoint}: registered at ${o.host}:${o.port}${o.psk === undefined ? '' : ' over DTLS'} as /${this.#location.join('/')} (lifetime ${o.lifetime} s, LwM2M ${o.lwm2mVersion}${o.queueMode ? ', queue mode' : ''})`,
    );
  }

  async #update(): Promise<void> {
    const o = this.#options;
    if (this.#stopped || this.#peer === undefined) return;
    this.#stayAwake();
    try {
      const answer = await this.#peer.request({ code: '0.02', path: this.#location });
      if (answer.code === '4.04') {
        o.log(`${o.endpoint}: update -> 4.04, registering again`);
        await this.#register();
      } else o.log(`${o.endpoint}: update -> ${answer.code}`);
    } catch (err) {
      o.log(`${o.endpoint}: update failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Queue mode: listen for `awakeSeconds` after our last message, then drop what arrives until the next wake-up. */
  #stayAwake(): void {
    const o = this.#options;
    if (!o.queueMode || this.#peer === undefined) return;
    this.#peer.listening = true;
    if (this.#sleepTimer !== undefined) clearTimeout(this.#sleepTimer);
    this.#sleepTimer = setTimeout(() => {
      if (this.#peer === undefined || this.#stopped) return;
      this.#peer.listening = false;
      o.log(`${o.endpoint}: asleep until the next update`);
    }, o.awakeSeconds * 1000);
  }

  #tick(): void {
    this.#state.tick();
    const peer = this.#peer;
    if (peer === undefined || (this.#options.queueMode && !peer.listening)) return;
    const now = Date.now();
    for (const [key, observation] of this.#handler.observations) {
      const { pminMs, pmaxMs } = this.#handler.observationPeriods(observation);
      const since = now - observation.lastSentMs;
      if (since < pminMs) continue;
      const snapshot = this.#handler.snapshot(observation);
      const changed = snapshot !== observation.lastSnapshot;
      // LwM2M 1.1 Core §5.1.2: notify on change no sooner than pmin, and at least every pmax.
      if (!changed && (pmaxMs === undefined || since < pmaxMs)) continue;
      const payload = this.#handler.content(observation);
      if (payload === undefined) {
        this.#handler.observations.delete(key);
        continue;
      }
      observation.lastSentMs = now;
      observation.lastSnapshot = snapshot;
      observation.sequence += 1;
      this.counters.notifications += 1;
      // Every tenth notification confirmable, so a server that forgot the observation can reset it (RFC 7641 §4.5).
      const confirmable = observation.sequence % 10 === 0;
      peer.notify(observation.token, observation.sequence, { code: '2.05', format: observation.format, payload }, confirmable).catch(() => {
        this.#handler.observations.delete(key);
      });
      this.#options.log(`${this.#options.endpoint}: notify ${observation.composite ? 'composite ' : ''}${observation.paths.map(formatPath).join(' ')}`);
    }
  }

  /** De-register (Core §6.2.3) and close. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#sleepTimer !== undefined) clearTimeout(this.#sleepTimer);
    const peer = this.#peer;
    if (peer === undefined) return;
    peer.listening = true;
    if (this.#location.length > 0) {
      try {
        const answer = await peer.request({ code: '0.04', path: this.#location });
        this.#options.log(`${this.#options.endpoint}: de-registered (${answer.code})`);
      } catch (err) {
        this.#options.log(`${this.#options.endpoint}: de-register failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await peer.close();
  }
}
