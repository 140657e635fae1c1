import type { UpstreamMessage } from '../upstream/types.js';
import { MsgType, ReturnCode } from './codec/constants.js';
import type { PubAck, TopicRef } from './codec/types.js';
import type { GatewayContext } from './context.js';
import type { DownlinkMessage } from './downlink-message.js';
import { type InflightEntry } from './inflight.js';
import type { Session } from './session.js';
import { SessionState, canDeliver, isTerminal } from './session-state.js';
import { stripMountpoint } from './topic-names.js';

/**
 * Broker -> client delivery for one session at a time (MQTT-SN v1.2 §6.12,
 * §6.13, §6.14). Messages wait in the session's bounded buffer and leave in
 * order: one gateway REGISTER at a time goes first where the client has no id
 * for the topic, QoS 1/2 messages fill the in-flight window, QoS 0 messages
 * never overtake them. Everything here is synchronous.
 */
export class Delivery {
  readonly #ctx: GatewayContext;

  constructor(ctx: GatewayContext) {
    this.#ctx = ctx;
  }

  /** A message from the client's broker session. */
  accept(session: Session, message: UpstreamMessage): void {
    if (isTerminal(session.state)) return;
    const ctx = this.#ctx;
    const topic = stripMountpoint(session.mountpoint, message.topic);
    if (topic === undefined) {
      ctx.stats.dropped += 1;
      return;
    }
    const dropped = session.pending.push({ topic, payload: message.payload, qos: message.qos, retain: message.retain });
    if (dropped !== undefined) this.#countOverflow(session, dropped);
    this.pump(session);
  }

  /** Sends whatever the client may receive now; puts an awake client back to sleep when done (§6.14). */
  pump(session: Session): void {
    const ctx = this.#ctx;
    const now = ctx.now();
    while (canDeliver(session.state) && session.attached && session.deliveryHold === 0 && session.registerOut === undefined) {
      const queued = session.registerQueue;
      if (queued !== undefined && queued.length > 0) {
        const name = queued.shift() as string;
        this.#startRegister(session, name, ctx.predefined.idOf(name), now);
        continue;
      }
      const head = session.pending.peek();
      if (head === undefined) break;
      if (head.qos > 0 && session.inflight.full) break;
      const ref = this.#refFor(session, head.topic);
      if (ref === undefined) {
        if (!this.#startRegister(session, head.topic, undefined, now)) {
          session.pending.shift();
          ctx.stats.dropped += 1;
          ctx.logger.warn({ clientId: session.clientId, topic: head.topic }, 'no topic id left for this client: message dropped');
        }
        continue;
      }
      session.pending.shift();
      this.#sendPublish(session, head, ref, now);
    }
    if (session.state === SessionState.Awake && this.#drained(session)) this.#backToSleep(session, now);
    ctx.reschedule(session);
  }

  /** After a wake-up or a resume: resend what was in flight (DUP), then continue (§6.14). */
  resume(session: Session): void {
    const ctx = this.#ctx;
    const now = ctx.now();
    for (const entry of session.inflightCount > 0 ? session.inflight.entries() : []) {
      entry.sentAt = now;
      this.#retransmit(session, entry);
    }
    const reg = session.registerOut;
    if (reg !== undefined) {
      reg.sentAt = now;
      ctx.send(session.peer, { type: MsgType.REGISTER, topicId: reg.topicId, msgId: reg.msgId, topicName: reg.name });
    }
    this.pump(session);
  }

  /** T_RETRY expiry (§6.13): retransmit; `false` when N_RETRY is exhausted and the client is lost. */
  retransmitDue(session: Session, now: number): boolean {
    const { retry_interval: retryMs, max_retries: maxRetries } = this.#ctx.config;
    if (session.inflightCount > 0) {
      for (const action of session.inflight.due(now, retryMs, maxRetries)) {
        if (action.kind === 'exhausted') return false;
        this.#ctx.stats.retransmissions += 1;
        this.#retransmit(session, action.entry);
      }
    }
    const reg = session.registerOut;
    if (reg !== undefined && reg.sentAt + retryMs <= now) {
      if (reg.retries >= maxRetries) return false;
      reg.retries += 1;
      reg.sentAt = now;
      this.#ctx.stats.retransmissions += 1;
      this.#ctx.send(session.peer, { type: MsgType.REGISTER, topicId: reg.topicId, msgId: reg.msgId, topicName: reg.name });
    }
    return true;
  }

  /** Earliest retransmission deadline. */
  retryDeadline(session: Session): number | undefined {
    const retryMs = this.#ctx.config.retry_interval;
    let at = session.inflightCount > 0 ? session.inflight.nextDeadline(retryMs) : undefined;
    const reg = session.registerOut;
    if (reg !== undefined && (at === undefined || reg.sentAt + retryMs < at)) at = reg.sentAt + retryMs;
    return at;
  }

  onRegAck(session: Session, msgId: number, returnCode: number): void {
    const reg = session.registerOut;
    if (reg === undefined || reg.msgId !== msgId) {
      this.#ctx.stats.unexpected += 1;
      return;
    }
    session.registerOut = undefined;
    if (returnCode === ReturnCode.ACCEPTED) {
      session.registry.markKnown(reg.topicId);
    } else {
      // The client refused the topic: skip the messages waiting for it (EMQX does the same).
      for (let head = session.pending.peek(); head !== undefined && head.topic === reg.name; head = session.pending.peek()) {
        session.pending.shift();
        this.#ctx.stats.dropped += 1;
      }
      this.#ctx.logger.info({ clientId: session.clientId, topicId: reg.topicId, returnCode }, 'client refused a gateway REGISTER');
    }
    this.pump(session);
  }

  /** PUBACK for a downlink QoS 1 (or a rejection of a QoS 2) PUBLISH (§6.12). */
  onPubAck(session: Session, packet: PubAck): void {
    const entry = session.inflightCount > 0 ? session.inflight.get(packet.msgId) : undefined;
    if (entry === undefined || entry.stage === 'pubcomp') {
      this.#ctx.stats.unexpected += 1;
      return;
    }
    if (packet.returnCode === ReturnCode.CONGESTION) return; // kept in flight: resent after T_RETRY
    session.inflight.delete(packet.msgId);
    if (packet.returnCode === ReturnCode.INVALID_TOPIC_ID && entry.ref.kind === 'normal') {
      // The client lost its topic table: REGISTER the topic again, then resend.
      session.registry.markUnknown(entry.ref.id);
      session.pending.unshift(entry.message);
    } else if (packet.returnCode !== ReturnCode.ACCEPTED) {
      this.#ctx.stats.dropped += 1;
      this.#ctx.logger.info({ clientId: session.clientId, msgId: packet.msgId, returnCode: packet.returnCode }, 'client rejected a PUBLISH');
    }
    this.pump(session);
  }

  onPubRec(session: Session, msgId: number): void {
    const entry = session.inflightCount > 0 ? session.inflight.get(msgId) : undefined;
    if (entry === undefined || entry.stage === 'puback') {
      this.#ctx.stats.unexpected += 1;
      return;
    }
    if (entry.stage === 'pubrec') {
      entry.stage = 'pubcomp';
      entry.retries = 0;
      entry.sentAt = this.#ctx.now();
    }
    this.#ctx.send(session.peer, { type: MsgType.PUBREL, msgId });
    this.#ctx.reschedule(session);
  }

  onPubComp(session: Session, msgId: number): void {
    const entry = session.inflightCount > 0 ? session.inflight.get(msgId) : undefined;
    if (entry === undefined || entry.stage !== 'pubcomp') {
      this.#ctx.stats.unexpected += 1;
      return;
    }
    session.inflight.delete(msgId);
    this.pump(session);
  }

  #drained(session: Session): boolean {
    return (
      session.pendingCount === 0 &&
      session.inflightCount === 0 &&
      session.registerOut === undefined &&
      (session.registerQueue === undefined || session.registerQueue.length === 0)
    );
  }

  #backToSleep(session: Session, now: number): void {
    // §6.14: the PINGRESP ends the awake period; the sleep timer restarts.
    this.#ctx.send(session.peer, { type: MsgType.PINGRESP });
    session.transition(SessionState.Asleep, now);
    session.lastHeard = now;
    session.overflowSinceWake = 0;
  }

  #refFor(session: Session, topic: string): TopicRef | undefined {
    const predefinedId = this.#ctx.predefined.idOf(topic);
    if (predefinedId !== undefined) return { kind: 'predefined', id: predefinedId };
    const id = session.registry.idOf(topic);
    if (id !== undefined && session.registry.isKnown(id)) return { kind: 'normal', id };
    // §6.7 short topic names: exactly two characters need no registration.
    if (id === undefined && topic.length === 2 && Buffer.byteLength(topic) === 2) return { kind: 'short', name: topic };
    return undefined;
  }

  /** §6.5 gateway REGISTER; the waiting PUBLISH leaves after the REGACK. */
  #startRegister(session: Session, name: string, fixedId: number | undefined, now: number): boolean {
    const topicId = fixedId ?? session.registry.register(name, false);
    if (topicId === undefined) return false;
    const msgId = this.#allocateMsgId(session);
    if (msgId === undefined) return false;
    session.registerOut = { topicId, name, msgId, sentAt: now, retries: 0 };
    this.#ctx.send(session.peer, { type: MsgType.REGISTER, topicId, msgId, topicName: name });
    return true;
  }

  #sendPublish(session: Session, message: DownlinkMessage, ref: TopicRef, now: number): void {
    const ctx = this.#ctx;
    if (message.qos === 0) {
      if (!ctx.send(session.peer, { type: MsgType.PUBLISH, dup: false, qos: 0, retain: message.retain, topic: ref, msgId: 0, data: message.payload })) {
        ctx.stats.dropped += 1;
      }
      return;
    }
    const msgId = this.#allocateMsgId(session);
    if (msgId === undefined) {
      ctx.stats.dropped += 1;
      return;
    }
    const entry: InflightEntry = { msgId, message, ref, stage: message.qos === 1 ? 'puback' : 'pubrec', sentAt: now, retries: 0 };
    const sent = ctx.send(session.peer, {
      type: MsgType.PUBLISH,
      dup: false,
      qos: message.qos,
      retain: message.retain,
      topic: ref,
      msgId,
      data: message.payload,
    });
    if (sent) session.inflight.add(entry);
    else ctx.stats.dropped += 1;
  }

  #retransmit(session: Session, entry: InflightEntry): void {
    if (entry.stage === 'pubcomp') {
      this.#ctx.send(session.peer, { type: MsgType.PUBREL, msgId: entry.msgId });
      return;
    }
    const { message, ref, msgId } = entry;
    // §6.13: retransmitted PUBLISH carries DUP.
    this.#ctx.send(session.peer, { type: MsgType.PUBLISH, dup: true, qos: message.qos, retain: message.retain, topic: ref, msgId, data: message.payload });
  }

  #allocateMsgId(session: Session): number | undefined {
    const reg = session.registerOut;
    return session.msgIds.next((id) => (session.inflightCount > 0 && session.inflight.has(id)) || (reg !== undefined && reg.msgId === id));
  }

  #countOverflow(session: Session, dropped: DownlinkMessage): void {
    const ctx = this.#ctx;
    ctx.stats.sleepBufferOverflow += 1;
    ctx.stats.dropped += 1;
    session.overflowSinceWake += 1;
    if (session.overflowSinceWake === 1) {
      ctx.logger.warn({ clientId: session.clientId, capacity: session.pending.capacity }, 'client buffer full: dropping the oldest messages');
    }
    if (ctx.debug) ctx.logger.debug({ clientId: session.clientId, topic: dropped.topic, qos: dropped.qos }, 'buffered message dropped');
  }
}
