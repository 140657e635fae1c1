import { MsgType, ReturnCode } from './codec/constants.js';
import type { MqttSnPacket, Publish } from './codec/types.js';
import type { GatewayContext } from './context.js';
import { endSession } from './lifecycle.js';
import { MAX_SESSION_QUEUE } from './parameters.js';
import { describePeer, makeSnPeer, type SnPeer } from './peer.js';
import { Session, type SessionLimits, type SessionProcessor } from './session.js';
import { SessionState, isConnected, isTerminal } from './session-state.js';
import { maxConnections } from './handlers/connect.js';
import { refusedName } from './handlers/refused-name.js';
import { rawTopicId, resolvePublishTopic } from './handlers/topic-ref.js';
import { checkDeviceSuppliedName } from './topic-names.js';

/**
 * Routes a parsed packet to its session. Known peers go straight to their
 * session's queue. From an unknown peer only CONNECT (new session, takeover,
 * or resume by client id), a wake-up PINGREQ carrying a client id (NAT
 * rebinding, §6.14), DISCONNECT (acknowledged), SEARCHGW and QoS -1 PUBLISH
 * are served; anything else gets DISCONNECT (§5.4.21).
 */
export class Dispatcher {
  readonly #ctx: GatewayContext;
  readonly #limits: SessionLimits;
  readonly #processor: SessionProcessor;

  constructor(ctx: GatewayContext, limits: SessionLimits, processor: SessionProcessor) {
    this.#ctx = ctx;
    this.#limits = limits;
    this.#processor = processor;
  }

  route(listener: number, address: string, port: number, nodeId: Buffer | undefined, packet: MqttSnPacket): void {
    const ctx = this.#ctx;
    if (packet.type === MsgType.SEARCHGW) {
      // §6.1: a gateway answers SEARCHGW at once, to the searcher.
      ctx.send(makeSnPeer(listener, address, port, nodeId), { type: MsgType.GWINFO, gwId: ctx.config.gateway_id });
      return;
    }
    if (packet.type === MsgType.ADVERTISE || packet.type === MsgType.GWINFO) return; // other gateways' discovery traffic
    if (packet.type === MsgType.CONNECT && !this.#acceptableClientId(listener, address, port, nodeId, packet.clientId)) return;
    const session = ctx.table.atPeer(listener, address, port, nodeId);
    if (session !== undefined) {
      // A client that proved a DTLS identity keeps its session only while the DTLS session at this
      // address still proves that identity (another device may have handshaken from the address since).
      if (session.auth.auth !== 'none' && !ctx.provesIdentity(listener, address, port, session.auth)) {
        this.#displace(session);
      } else if (packet.type === MsgType.CONNECT && session.clientId !== undefined && packet.clientId !== '' && packet.clientId !== session.clientId) {
        this.#displace(session);
      } else {
        session.lastHeard = ctx.now();
        this.#enqueue(session, packet);
        return;
      }
    }
    this.#fromUnknownPeer(makeSnPeer(listener, address, port, nodeId), packet);
  }

  /**
   * A PUBLISH above max_message_size from a connected client: PUBACK 0x03 in
   * the session's order (after the answers to its earlier packets). QoS -1
   * is never acknowledged; unknown peers and handshakes get nothing.
   */
  rejectOversizePublish(listener: number, address: string, port: number, nodeId: Buffer | undefined, packet: Publish): void {
    const ctx = this.#ctx;
    if (packet.qos === -1) return;
    const session = ctx.table.atPeer(listener, address, port, nodeId);
    if (session === undefined || !isConnected(session.state)) return;
    if (session.auth.auth !== 'none' && !ctx.provesIdentity(listener, address, port, session.auth)) return;
    session.lastHeard = ctx.now();
    if (session.queued >= MAX_SESSION_QUEUE) {
      ctx.stats.dropped += 1; // signals bypass the queue bound: do not let a flood grow it
      return;
    }
    const puback = { type: MsgType.PUBACK, topicId: rawTopicId(packet.topic), msgId: packet.msgId, returnCode: ReturnCode.NOT_SUPPORTED } as const;
    session.enqueue({
      type: 'signal',
      name: 'oversize-publish',
      run: async (s) => {
        if (s.attached && isConnected(s.state)) ctx.send(s.peer, puback);
      },
    });
  }

  /**
   * Every client id is checked before it is used (it fills `${clientid}` in
   * the mountpoint and clientinfo_override, and names the broker session):
   * an id that is not valid UTF-8, holds NUL or control characters, the
   * wildcards or the level separator, or starts with "$" is refused with
   * CONNACK 0x03 "rejected: not supported" (§5.4.5), before any state exists.
   * An empty id is given a generated one later.
   */
  #acceptableClientId(listener: number, address: string, port: number, nodeId: Buffer | undefined, clientId: string): boolean {
    if (clientId === '') return true;
    const problem = checkDeviceSuppliedName(clientId);
    if (problem === undefined) return true;
    const peer = makeSnPeer(listener, address, port, nodeId);
    refusedName(this.#ctx, peer, undefined, 'clientId', clientId, problem);
    this.#ctx.send(peer, { type: MsgType.CONNACK, returnCode: ReturnCode.NOT_SUPPORTED });
    return false;
  }

  #fromUnknownPeer(peer: SnPeer, packet: MqttSnPacket): void {
    const ctx = this.#ctx;
    switch (packet.type) {
      case MsgType.CONNECT: {
        const existing = packet.clientId === '' ? undefined : ctx.table.byClientId(packet.clientId);
        if (existing !== undefined && !isTerminal(existing.state)) {
          // A session moves to a new address only for a sender that may use its client id
          // (else a plain CONNECT could take a secured client's session over).
          if (!ctx.admit(peer, packet.clientId).ok) {
            ctx.send(peer, { type: MsgType.CONNACK, returnCode: ReturnCode.NOT_SUPPORTED });
            return;
          }
          if (!this.#roomOnListener(existing, peer)) {
            ctx.send(peer, { type: MsgType.CONNACK, returnCode: ReturnCode.CONGESTION });
            return;
          }
          this.#moveTo(existing, peer, 'CONNECT');
          existing.lastHeard = ctx.now();
          this.#enqueue(existing, packet);
          return;
        }
        const session = new Session(peer, this.#limits, this.#processor, ctx.now());
        ctx.table.attach(session, peer);
        ctx.reschedule(session);
        this.#enqueue(session, packet);
        return;
      }
      case MsgType.PINGREQ: {
        const existing = packet.clientId === undefined ? undefined : ctx.table.byClientId(packet.clientId);
        if (existing !== undefined && (existing.state === SessionState.Asleep || existing.state === SessionState.Awake)) {
          if (packet.clientId !== undefined && !ctx.admit(peer, packet.clientId).ok) {
            ctx.stats.unexpected += 1;
            return;
          }
          if (!this.#roomOnListener(existing, peer)) break; // DISCONNECT: the sleeper reconnects, and is refused until there is room
          this.#moveTo(existing, peer, 'PINGREQ');
          existing.lastHeard = ctx.now();
          this.#enqueue(existing, packet);
          return;
        }
        if (existing !== undefined && existing.state === SessionState.Active) {
          ctx.stats.unexpected += 1; // EMQX: a PINGREQ naming a client connected elsewhere is ignored
          return;
        }
        break;
      }
      case MsgType.DISCONNECT:
        ctx.send(peer, { type: MsgType.DISCONNECT }); // acknowledged even from a peer that never connected
        return;
      case MsgType.PUBLISH:
        if (packet.qos === -1) {
          this.#publishConnectionless(peer, packet);
          return;
        }
        break;
      default:
        break;
    }
    ctx.stats.unexpected += 1;
    ctx.send(peer, { type: MsgType.DISCONNECT });
  }

  /**
   * A counted session arriving on another listener must fit under that
   * listener's max_connections; it keeps its old address when it does not.
   */
  #roomOnListener(session: Session, peer: SnPeer): boolean {
    const ctx = this.#ctx;
    if (session.countedOn === undefined || session.countedOn === peer.listener) return true;
    const limit = maxConnections(ctx, peer.listener);
    if (ctx.table.connections(peer.listener) < limit) return true;
    ctx.logger.warn({ clientId: session.clientId, peer: describePeer(peer), limit }, 'max_connections reached: session not moved to this listener');
    return false;
  }

  /** Attaches a session found by client id to the sender's address; the old address, if live, is told DISCONNECT. */
  #moveTo(session: Session, peer: SnPeer, via: string): void {
    const ctx = this.#ctx;
    if (session.attached && session.peer.key !== peer.key) {
      if (session.state === SessionState.Active || session.state === SessionState.Connecting) {
        ctx.send(session.peer, { type: MsgType.DISCONNECT }); // taken over
        ctx.logger.info({ clientId: session.clientId, from: describePeer(session.peer), to: describePeer(peer) }, 'MQTT-SN session taken over');
      }
    }
    if (!session.attached || session.peer.key !== peer.key) {
      if (session.attached || session.state !== SessionState.Disconnected) {
        ctx.logger.info({ clientId: session.clientId, peer: describePeer(peer), via }, 'MQTT-SN client moved to a new address');
      }
      ctx.table.attach(session, peer);
    }
  }

  /** Another client id CONNECTs from this address (port reuse): the old session lets go of it. */
  #displace(session: Session): void {
    const ctx = this.#ctx;
    ctx.table.detach(session);
    if (session.state === SessionState.Asleep || session.state === SessionState.Awake) {
      // A sleeper keeps its session and may wake from elsewhere.
      if (session.state === SessionState.Awake) session.transition(SessionState.Asleep, ctx.now());
      return;
    }
    session.enqueue({ type: 'signal', name: 'displaced', run: (s) => endSession(ctx, s, 'displaced') });
  }

  #enqueue(session: Session, packet: MqttSnPacket): void {
    if (session.enqueue(packet)) return;
    const ctx = this.#ctx;
    ctx.stats.dropped += 1;
    if (packet.type === MsgType.PUBLISH && packet.qos > 0) {
      ctx.send(session.peer, { type: MsgType.PUBACK, topicId: rawTopicId(packet.topic), msgId: packet.msgId, returnCode: ReturnCode.CONGESTION });
    }
  }

  /** §6.8 QoS -1: predefined ids or short names only, published as QoS 0; disabled -> PUBACK 0x03. */
  #publishConnectionless(peer: SnPeer, packet: Publish): void {
    const ctx = this.#ctx;
    if (!ctx.config.enable_qos3) {
      ctx.send(peer, { type: MsgType.PUBACK, topicId: rawTopicId(packet.topic), msgId: packet.msgId, returnCode: ReturnCode.NOT_SUPPORTED });
      return;
    }
    const ref = packet.topic;
    const resolved = ref.kind === 'predefined' || ref.kind === 'short' ? resolvePublishTopic(ref, ctx.predefined, undefined) : undefined;
    if (resolved === undefined || 'returnCode' in resolved) {
      ctx.stats.dropped += 1;
      if (ctx.debug) ctx.logger.debug({ peer: describePeer(peer), topic: ref.kind }, 'QoS -1 PUBLISH with an unusable topic dropped');
      return;
    }
    ctx.links.publishConnectionless(resolved.name, packet.data, packet.retain).catch((err: unknown) => {
      ctx.stats.dropped += 1;
      if (ctx.debug) ctx.logger.debug({ err }, 'QoS -1 publish failed');
    });
  }
}
