import type { JsonObject, Lwm2mCommand } from '../lwm2m/bridge/command.js';
import type { Lwm2mObserver, RegistrationEventKind } from '../lwm2m/observer.js';
import type { Registration } from '../lwm2m/registration/registration.js';
import type { MqttSnObserver } from '../mqttsn/gateway.js';
import { describePeer } from '../mqttsn/peer.js';
import type { Session } from '../mqttsn/session.js';
import { SessionState } from '../mqttsn/session-state.js';
import { CommandLatency } from '../metrics/command-latency.js';

/** One line of the event log (dashboard, `GET /api/v5/events`). */
export interface ActivityEvent {
  readonly seq: number;
  /** RFC 3339. */
  readonly time: string;
  readonly gateway: 'mqttsn' | 'lwm2m';
  /** register, update, deregister, expired / connected, asleep, awake, disconnected, lost, kept. */
  readonly type: string;
  /** Client id or endpoint name. */
  readonly id: string;
  readonly detail: string;
}

/** What the live stream carries. */
export type LiveMessage =
  | { readonly kind: 'event'; readonly event: ActivityEvent }
  | { readonly kind: 'notify'; readonly endpoint: string; readonly path: string; readonly message: JsonObject | string }
  | { readonly kind: 'answer'; readonly endpoint: string; readonly message: JsonObject };

export type LiveListener = (message: LiveMessage) => void;

/** EMQX keeps the last 100 replies per client for `lookup`. */
const LOOKUP_ENTRIES_PER_CLIENT = 100;
const EVENT_LOG_SIZE = 500;

/** Counters of LwM2M activity seen through the observer (plain fields, read at scrape time). */
export class Lwm2mActivityCounters {
  registrations = 0;
  updates = 0;
  deregistrations = 0;
  expirations = 0;
  notifications = 0;
  /** LwM2M 1.1 Send operations. */
  sends = 0;
}

/** An answer an HTTP request is waiting for. */
type Waiter = (answer: JsonObject) => void;

/**
 * The gateways' activity as the operator sees it: an event log (ring
 * buffer), live listeners (SSE), the last device replies per endpoint
 * (`lookup`), LwM2M counters and command latency, and the HTTP requests
 * waiting for a device's answer. It observes both gateways; it is told of
 * state changes, commands and notifications, never of single packets.
 */
export class GatewayActivity implements MqttSnObserver, Lwm2mObserver {
  readonly lwm2mCounters = new Lwm2mActivityCounters();
  readonly commandLatency = new CommandLatency();
  readonly #events: ActivityEvent[] = [];
  #seq = 0;
  readonly #listeners = new Set<LiveListener>();
  readonly #lookup = new Map<string, Map<string, JsonObject>>();
  readonly #waiting = new Map<Lwm2mCommand, Waiter>();

  // ------------------------------------------------------------ listeners and log

  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The newest `limit` events, oldest first. */
  recentEvents(limit = EVENT_LOG_SIZE): ActivityEvent[] {
    return this.#events.slice(-limit);
  }

  #record(gateway: ActivityEvent['gateway'], type: string, id: string, detail: string): void {
    this.#seq += 1;
    const event: ActivityEvent = { seq: this.#seq, time: new Date().toISOString(), gateway, type, id, detail };
    this.#events.push(event);
    if (this.#events.length > EVENT_LOG_SIZE) this.#events.shift();
    this.#emit({ kind: 'event', event });
  }

  #emit(message: LiveMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch {
        // A broken listener (closed stream) must not stop the others.
      }
    }
  }

  // ------------------------------------------------------------ MQTT-SN

  onTransition(session: Session, from: SessionState): void {
    const id = session.clientId;
    if (id === undefined) return;
    const to = session.state;
    const peer = describePeer(session.peer);
    switch (to) {
      case SessionState.Active:
        this.#record(
          'mqttsn',
          from === SessionState.Asleep || from === SessionState.Awake ? 'awake' : 'connected',
          id,
          `${peer} keepalive ${session.keepAliveMs / 1000}s`,
        );
        break;
      case SessionState.Asleep:
        if (from !== SessionState.Awake) this.#record('mqttsn', 'asleep', id, `${peer} sleep ${session.sleepMs / 1000}s`);
        break;
      case SessionState.Lost:
        this.#record('mqttsn', 'lost', id, session.will === undefined ? `${peer}` : `${peer} will on ${session.will.topic}`);
        break;
      case SessionState.Disconnected:
        this.#record(
          'mqttsn',
          from === SessionState.Asleep || from === SessionState.Active || from === SessionState.Awake ? 'kept' : 'disconnected',
          id,
          `${peer} session kept`,
        );
        break;
      case SessionState.Closed:
        if (from !== SessionState.Idle && from !== SessionState.Connecting && from !== SessionState.AwaitWillMsg && from !== SessionState.AwaitWillTopic) {
          this.#record('mqttsn', 'disconnected', id, peer);
        }
        break;
      default:
        break;
    }
  }

  onKick(session: Session): void {
    if (session.clientId !== undefined) this.#record('mqttsn', 'kicked', session.clientId, 'through the HTTP API');
  }

  // ------------------------------------------------------------ LwM2M

  registration(kind: RegistrationEventKind, reg: Registration): void {
    const c = this.lwm2mCounters;
    if (kind === 'register') c.registrations += 1;
    else if (kind === 'update') c.updates += 1;
    else if (kind === 'deregister') c.deregistrations += 1;
    else c.expirations += 1;
    if (kind === 'deregister' || kind === 'expired') this.#lookup.delete(reg.endpoint);
    const detail =
      kind === 'register' || kind === 'update' ? `${reg.peer.address}:${reg.peer.port} lt=${reg.lifetime} b=${reg.binding} lwm2m=${reg.lwm2m}` : '';
    this.#record('lwm2m', kind, reg.endpoint, detail);
  }

  answered(reg: Registration, command: Lwm2mCommand, answer: JsonObject, elapsedMs: number | undefined): void {
    const msgType = typeof answer.msgType === 'string' ? answer.msgType : '';
    if (msgType === 'ack') return; // a separate response follows (RFC 7252 §5.2.2)
    if (elapsedMs !== undefined)
      this.commandLatency.observe(command.msgType, elapsedMs / 1000, msgType === 'coap_timeout' ? 'timeout' : msgType === 'coap_reset' ? 'reset' : 'answered');
    else this.commandLatency.count(command.msgType, 'timeout');
    this.#remember(reg.endpoint, command, answer);
    const waiter = this.#waiting.get(command);
    if (waiter !== undefined) {
      this.#waiting.delete(command);
      waiter(answer);
    }
    if (this.#listeners.size > 0) this.#emit({ kind: 'answer', endpoint: reg.endpoint, message: answer });
  }

  notified(reg: Registration, pathKey: string, message: JsonObject | string): void {
    this.lwm2mCounters.notifications += 1;
    if (this.#listeners.size > 0) this.#emit({ kind: 'notify', endpoint: reg.endpoint, path: pathKey, message });
  }

  sent(reg: Registration, message: JsonObject): void {
    this.lwm2mCounters.sends += 1;
    if (this.#listeners.size > 0) this.#emit({ kind: 'notify', endpoint: reg.endpoint, path: '/dp', message });
  }

  /** Waits for the final answer to `command` (registered before it is submitted). */
  expect(command: Lwm2mCommand, waiter: Waiter): () => void {
    this.#waiting.set(command, waiter);
    return () => this.#waiting.delete(command);
  }

  /** The last reply to `action` on `path` from this endpoint (EMQX `lookup`). */
  lookup(endpoint: string, action: string, path: string): JsonObject | undefined {
    return this.#lookup.get(endpoint)?.get(`${action} ${path}`);
  }

  #remember(endpoint: string, command: Lwm2mCommand, answer: JsonObject): void {
    let cache = this.#lookup.get(endpoint);
    if (cache === undefined) {
      cache = new Map();
      this.#lookup.set(endpoint, cache);
    }
    const key = `${command.msgType} ${command.reqPath}`;
    cache.delete(key);
    cache.set(key, answer);
    if (cache.size > LOOKUP_ENTRIES_PER_CLIENT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
}
