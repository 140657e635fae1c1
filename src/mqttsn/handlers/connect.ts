import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../errors.js';
import { MsgType, PROTOCOL_ID, ReturnCode } from '../codec/constants.js';
import type { Connect } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { endSession } from '../lifecycle.js';
import { describePeer } from '../peer.js';
import type { Session } from '../session.js';
import { SessionState, isHandshake } from '../session-state.js';
import { hasWildcard } from '../topic-names.js';
import { upstreamIdentity } from '../upstream-link.js';

/**
 * CONNECT (MQTT-SN v1.2 §6.2, §6.3) in named steps: check the protocol id,
 * admit the client, settle what happens to a live session (a second CONNECT
 * is a fresh connect; from asleep/awake it resumes, §6.14), then either start
 * the will handshake or finish.
 */
export async function handleConnect(ctx: GatewayContext, session: Session, packet: Connect): Promise<void> {
  if (!checkProtocolId(ctx, session, packet)) return;
  if (!admit(ctx, session)) return;
  if (!checkIdentity(ctx, session, packet)) return;
  await settleLiveSession(ctx, session, packet);
  applyConnectFields(ctx, session, packet);
  if (packet.will) {
    startWillHandshake(ctx, session);
    return;
  }
  if (packet.cleanSession) session.will = undefined;
  await finishConnect(ctx, session);
}

/** §5.4.4: ProtocolId is always 0x01; anything else is answered CONNACK 0x03. */
function checkProtocolId(ctx: GatewayContext, session: Session, packet: Connect): boolean {
  if (packet.protocolId === PROTOCOL_ID) return true;
  ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: ReturnCode.NOT_SUPPORTED });
  if (session.state === SessionState.Idle) dropNew(ctx, session);
  return false;
}

/**
 * The client id must match the peer's DTLS identity (or its PSK entry's
 * name), and a client id that has credentials may not connect over plain
 * UDP: CONNACK 0x03, as for any refused CONNECT. An empty client id (the
 * gateway would generate one) matches no DTLS identity.
 */
function checkIdentity(ctx: GatewayContext, session: Session, packet: Connect): boolean {
  const clientId = packet.clientId !== '' ? packet.clientId : (session.clientId ?? '');
  const admission = ctx.admit(session.peer, clientId);
  if (admission.ok) {
    session.auth = admission.auth;
    return true;
  }
  ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: ReturnCode.NOT_SUPPORTED });
  if (session.state === SessionState.Idle) dropNew(ctx, session);
  return false;
}

/** The `max_connections` of a listener (by index: plain listeners first, then DTLS ones). */
export function maxConnections(ctx: GatewayContext, listener: number): number {
  return ctx.listenerConfigs[listener]?.max_connections ?? Number.POSITIVE_INFINITY;
}

/**
 * Listener `max_connections`: a client not yet counted is refused with CONNACK 0x01 (congestion).
 * (A counted session arriving on another listener was checked against that one by the dispatcher.)
 */
function admit(ctx: GatewayContext, session: Session): boolean {
  if (session.countedOn !== undefined) return true;
  const limit = maxConnections(ctx, session.peer.listener);
  if (ctx.table.connections(session.peer.listener) < limit) return true;
  ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: ReturnCode.CONGESTION });
  ctx.logger.warn({ peer: describePeer(session.peer), limit }, 'max_connections reached: CONNECT refused');
  dropNew(ctx, session);
  return false;
}

async function settleLiveSession(ctx: GatewayContext, session: Session, packet: Connect): Promise<void> {
  const state = session.state;
  const fromSleep = state === SessionState.Asleep || state === SessionState.Awake;
  if (fromSleep || (session.resuming && isHandshake(state) && session.upstream !== undefined)) {
    // §6.14: CONNECT from asleep/awake returns to active; the buffer is delivered after CONNACK.
    session.resuming = true;
    return;
  }
  session.resuming = false;
  // A second CONNECT on a live session is a fresh connect: the old broker session ends (no will).
  if (session.upstream !== undefined) await ctx.links.end(session);
  if (packet.cleanSession) session.resetState();
}

function applyConnectFields(ctx: GatewayContext, session: Session, packet: Connect): void {
  const generated = packet.clientId === '' && session.clientId === undefined;
  const clientId = packet.clientId !== '' ? packet.clientId : (session.clientId ?? generatedClientId());
  // A session under a generated id can never be resumed (CONNACK does not tell the device the id,
  // §5.4.5), so it is never kept either: kept, it would only hold one of max_connections until
  // session expiry, and a peer could fill the listener with them (MQTT 3.1.1 §3.1.3.1 refuses an
  // empty id with CleanSession 0 for the same reason).
  session.cleanSession = packet.cleanSession || generated;
  session.keepAliveMs = packet.duration * 1000;
  ctx.table.bindClientId(session, clientId);
  const identity = upstreamIdentity(ctx.config, clientId);
  session.upstreamClientId = identity.clientId;
  session.mountpoint = identity.mountpoint;
}

/** §6.3: WILLTOPICREQ starts the will handshake. */
function startWillHandshake(ctx: GatewayContext, session: Session): void {
  session.pendingWillTopic = undefined;
  session.transition(SessionState.AwaitWillTopic, ctx.now());
  ctx.send(session.peer, { type: MsgType.WILLTOPICREQ });
  ctx.reschedule(session);
}

/** Opens (or keeps) the broker session and answers CONNACK. */
export async function finishConnect(ctx: GatewayContext, session: Session): Promise<void> {
  if (session.resuming && session.upstream !== undefined) {
    session.resuming = false;
    activate(ctx, session);
    ctx.logger.info({ clientId: session.clientId, peer: describePeer(session.peer) }, 'MQTT-SN client active again');
    ctx.delivery.resume(session);
    return;
  }
  session.resuming = false;
  session.transition(SessionState.Connecting, ctx.now());
  // The CONNECT being answered came from this peer. A CONNECT with the same
  // client id from another address while the broker answers takes the
  // session over (dispatcher) and is queued behind this one: this CONNACK
  // would then go to the wrong connect, so the attempt is abandoned for it.
  const peer = session.peer;
  const stillOurs = (): boolean => session.state === SessionState.Connecting && session.attached && session.peer === peer;
  let upstream;
  try {
    upstream = await ctx.links.open(session);
  } catch (err) {
    if (!stillOurs() && session.state === SessionState.Connecting && session.attached) return; // the newer CONNECT decides
    ctx.logger.warn({ err, clientId: session.clientId }, 'broker refused the session: CONNECT refused');
    if (session.attached) ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: connackCodeFor(err) });
    await endSession(ctx, session, 'refused');
    return;
  }
  if (!stillOurs()) {
    // Given up while the broker answered (idle timeout, taken over).
    await upstream.end().catch(() => undefined);
    return;
  }
  session.upstream = upstream;
  await restoreSession(ctx, session);
  if (!stillOurs()) {
    await ctx.links.end(session);
    return;
  }
  activate(ctx, session);
  ctx.logger.info(
    {
      clientId: session.clientId,
      peer: describePeer(session.peer),
      cleanSession: session.cleanSession,
      keepAlive: session.keepAliveMs / 1000,
      auth: session.auth.auth,
      identity: session.auth.identity,
    },
    'MQTT-SN client connected',
  );
  ctx.delivery.resume(session);
}

/** CONNACK 0: keepalive supervision starts now (§6.10). */
function activate(ctx: GatewayContext, session: Session): void {
  const now = ctx.now();
  session.transition(SessionState.Active, now);
  session.lastHeard = now;
  ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: ReturnCode.ACCEPTED });
  ctx.reschedule(session);
}

/**
 * Clean session off (§6.3): the subscriptions survive; they are renewed when
 * the broker lost its session, and with `subs_resume` every subscribed
 * non-wildcard topic is REGISTERed before anything is replayed.
 */
async function restoreSession(ctx: GatewayContext, session: Session): Promise<void> {
  if (session.cleanSession || !session.hasSubscriptions) return;
  const upstream = session.upstream;
  if (upstream !== undefined && !upstream.sessionPresent) {
    const filters = [...session.subscriptions].map(([topic, qos]) => ({ topic: session.mountpoint + topic, qos }));
    try {
      await upstream.subscribe(filters);
    } catch (err) {
      ctx.logger.warn({ err, clientId: session.clientId }, 'renewing subscriptions failed');
    }
  }
  if (ctx.config.subs_resume) {
    session.registerQueue = [...session.subscriptions.keys()].filter((topic) => !hasWildcard(topic));
  }
}

/** The broker refused the credentials -> 0x80 (EMQX's "not authorized"); anything else -> 0x01 congestion. */
function connackCodeFor(err: unknown): number {
  if (err instanceof GatewayError) {
    const code = err.details?.['returnCode'];
    if (code === 4 || code === 5 || code === 0x86 || code === 0x87) return ReturnCode.NOT_AUTHORIZED;
  }
  return ReturnCode.CONGESTION;
}

function dropNew(ctx: GatewayContext, session: Session): void {
  if (session.countedOn !== undefined) return;
  ctx.table.remove(session);
  ctx.unschedule(session);
  session.transition(SessionState.Closed, ctx.now());
}

/** EMQX gives an empty ClientId a generated one (v1.2 requires 1-23 characters). */
function generatedClientId(): string {
  return `mqttsn-${randomBytes(6).toString('hex')}`;
}
