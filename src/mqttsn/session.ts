import type { Qos } from '../config/types.js';
import { NO_AUTH, type DeviceAuth } from '../security/admission.js';
import type { UpstreamSession } from '../upstream/types.js';
import type { MqttSnPacket } from './codec/types.js';
import type { DownlinkMessage } from './downlink-message.js';
import { Inflight } from './inflight.js';
import { MsgIdAllocator } from './msg-id.js';
import { MAX_SESSION_QUEUE } from './parameters.js';
import type { SnPeer } from './peer.js';
import { SessionState } from './session-state.js';
import { SleepBuffer } from './sleep-buffer.js';
import type { WheelTarget } from './timers.js';
import { TopicRegistry } from './topic-registry.js';

export interface WillData {
  readonly topic: string;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly payload: Buffer;
}

/** Will topic received in the handshake, waiting for its WILLMSG (§6.3). */
export interface PendingWillTopic {
  readonly topic: string;
  readonly qos: Qos;
  readonly retain: boolean;
}

/** The one gateway REGISTER in flight (§6.5). */
export interface OutstandingRegister {
  readonly topicId: number;
  readonly name: string;
  readonly msgId: number;
  sentAt: number;
  retries: number;
}

/** Work for the session's serial queue that is not a packet (loss, displacement). */
export interface SessionSignal {
  readonly type: 'signal';
  readonly name: string;
  readonly run: (session: Session) => Promise<void>;
}

export type SessionItem = MqttSnPacket | SessionSignal;
export type SessionProcessor = (session: Session, item: SessionItem) => Promise<void> | void;

export interface SessionLimits {
  readonly maxInflight: number;
  readonly bufferSize: number;
  /** Told of every state change (dashboard, event log); not called per packet. */
  readonly onTransition?: ((session: Session, from: SessionState) => void) | undefined;
}

/**
 * One client's gateway-side state. Containers are created on first use so an
 * idle connected client stays small. Items (packets and signals) are handled
 * strictly one after another, even when a handler awaits the broker.
 */
export class Session implements WheelTarget {
  wheelSlot: number | undefined = undefined;
  peer: SnPeer;
  /** The device's client id (before clientinfo_override). */
  clientId: string | undefined = undefined;
  /** How the client proved its client id at its last CONNECT (no secrets). */
  auth: DeviceAuth = NO_AUTH;
  /** Client id, username and password used upstream, and the resolved mountpoint. */
  upstreamClientId = '';
  mountpoint = '';
  cleanSession = true;
  keepAliveMs = 0;
  sleepMs = 0;
  /** Last time anything was heard from the client, ms. */
  lastHeard: number;
  /** When the current state was entered (sleep supervision restarts here), ms. */
  stateSince: number;
  will: WillData | undefined = undefined;
  pendingWillTopic: PendingWillTopic | undefined = undefined;
  /** A CONNECT from asleep/awake resumes the live broker session instead of opening one. */
  resuming = false;
  upstream: UpstreamSession | undefined = undefined;
  registerOut: OutstandingRegister | undefined = undefined;
  /** `subs_resume`: topics to REGISTER before anything else is delivered. */
  registerQueue: string[] | undefined = undefined;
  /** Uplink QoS 2 MsgIds between PUBREC and PUBREL (§6.8). */
  awaitingRel: Set<number> | undefined = undefined;
  /** MsgId of the last uplink QoS 1/2 PUBLISH answered with PUBACK after a broker round trip (-1: none). */
  lastPubAckMsgId = -1;
  /** Its PUBACK return code. */
  lastPubAckCode = 0;
  /** > 0 while a SUBACK is pending: retained messages must not overtake it. */
  deliveryHold = 0;
  /** Mapped in the session table under its peer. */
  attached = false;
  /** The listener whose max_connections counts this session (undefined: not counted). */
  countedOn: number | undefined = undefined;
  /** Sleep-buffer drops since the client last woke (logged once per period). */
  overflowSinceWake = 0;
  readonly msgIds = new MsgIdAllocator();
  readonly #limits: SessionLimits;
  readonly #processor: SessionProcessor;
  #state: SessionState = SessionState.Idle;
  #registry: TopicRegistry | undefined;
  #subscriptions: Map<string, Qos> | undefined;
  #inflight: Inflight | undefined;
  #pending: SleepBuffer<DownlinkMessage> | undefined;
  #queue: SessionItem[] | undefined;
  #busy = false;
  /** Continues the queue after an asynchronous item; made once per session, not per item. */
  #resume: (() => void) | undefined;

  constructor(peer: SnPeer, limits: SessionLimits, processor: SessionProcessor, now: number) {
    this.peer = peer;
    this.#limits = limits;
    this.#processor = processor;
    this.lastHeard = now;
    this.stateSince = now;
  }

  get state(): SessionState {
    return this.#state;
  }

  transition(to: SessionState, now: number): void {
    const from = this.#state;
    this.#state = to;
    this.stateSince = now;
    if (from !== to) this.#limits.onTransition?.(this, from);
  }

  get registry(): TopicRegistry {
    this.#registry ??= new TopicRegistry();
    return this.#registry;
  }

  /** Registered topic ids (read-only view; creates nothing). */
  topicEntries(): { id: number; topic: string; known: boolean }[] {
    return this.#registry?.entries() ?? [];
  }

  get topicCount(): number {
    return this.#registry?.size ?? 0;
  }

  /** Subscriptions (read-only view; creates nothing). */
  subscriptionEntries(): [string, Qos][] {
    return this.#subscriptions === undefined ? [] : [...this.#subscriptions];
  }

  /** Subscriptions by device-side filter, with the granted QoS. */
  get subscriptions(): Map<string, Qos> {
    this.#subscriptions ??= new Map();
    return this.#subscriptions;
  }

  get hasSubscriptions(): boolean {
    return this.#subscriptions !== undefined && this.#subscriptions.size > 0;
  }

  get inflight(): Inflight {
    this.#inflight ??= new Inflight(this.#limits.maxInflight);
    return this.#inflight;
  }

  get inflightCount(): number {
    return this.#inflight === undefined ? 0 : this.#inflight.size;
  }

  /** Downlink messages waiting for the client (asleep, window full, REGISTER outstanding). */
  get pending(): SleepBuffer<DownlinkMessage> {
    this.#pending ??= new SleepBuffer(this.#limits.bufferSize);
    return this.#pending;
  }

  get pendingCount(): number {
    return this.#pending === undefined ? 0 : this.#pending.size;
  }

  /** Forgets everything a clean session discards (§6.3 CleanSession). */
  resetState(): void {
    this.#registry?.clear();
    this.#subscriptions?.clear();
    this.#inflight?.drain();
    this.#pending?.clear();
    this.registerOut = undefined;
    this.registerQueue = undefined;
    this.awaitingRel = undefined;
    this.lastPubAckMsgId = -1;
    this.will = undefined;
    this.msgIds.reset();
  }

  /** Items waiting behind the one in progress. */
  get queued(): number {
    return this.#queue === undefined ? 0 : this.#queue.length;
  }

  /** Queues an item behind the ones in progress; false when the queue is full (congestion). */
  enqueue(item: SessionItem): boolean {
    this.#queue ??= [];
    if (this.#queue.length >= MAX_SESSION_QUEUE && item.type !== 'signal') return false;
    this.#queue.push(item);
    if (!this.#busy) this.#drain();
    return true;
  }

  /**
   * Runs queued items synchronously while handlers complete synchronously;
   * a handler that returns a promise parks the queue until it settles
   * (processors never reject). No promise is made for synchronous packets.
   */
  #drain(): void {
    this.#busy = true;
    for (let item = this.#queue?.shift(); item !== undefined; item = this.#queue?.shift()) {
      let pending: Promise<void> | void;
      try {
        pending = this.#processor(this, item);
      } catch {
        continue; // a processor reports its own failures; the queue must go on
      }
      if (pending !== undefined) {
        this.#resume ??= (): void => this.#drain();
        pending.then(this.#resume, this.#resume);
        return;
      }
    }
    this.#busy = false;
  }
}
