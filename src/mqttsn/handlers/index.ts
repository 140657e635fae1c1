import { MsgType } from '../codec/constants.js';
import { msgTypeName } from '../codec/msg-type-name.js';
import type { MqttSnPacket } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { endSession } from '../lifecycle.js';
import type { Session, SessionItem } from '../session.js';
import { ACCEPTED_TYPES, isHandshake } from '../session-state.js';
import { handlePubAck, handlePubComp, handlePubRec, handlePubRel, handleRegAck } from './ack.js';
import { handleConnect } from './connect.js';
import { handleDisconnect } from './disconnect.js';
import { handlePingReq } from './ping.js';
import { handlePublish } from './publish.js';
import { handleRegister } from './register.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';
import { handleWillMsg, handleWillMsgUpd, handleWillTopic, handleWillTopicUpd } from './will.js';

/**
 * The session processor: runs one item of a session's serial queue. The
 * state guard (ACCEPTED_TYPES) decides first; a refused packet during the
 * handshake ends the half-open session with DISCONNECT (§6.3), elsewhere it
 * is counted and ignored. A session that let go of its peer hands packets back
 * to the dispatcher.
 */
export function createSessionProcessor(ctx: GatewayContext): (session: Session, item: SessionItem) => Promise<void> | void {
  return (session, item) => {
    if (item.type === 'signal') return item.run(session).catch((err: unknown) => logFailure(ctx, session, item.name, err));
    if (!session.attached) {
      ctx.redispatch(session.peer, item);
      return undefined;
    }
    if (!ACCEPTED_TYPES[session.state].has(item.type)) return refuse(ctx, session, item);
    let pending: Promise<void> | undefined;
    try {
      pending = dispatch(ctx, session, item);
    } catch (err) {
      logFailure(ctx, session, msgTypeName(item.type), err);
      return undefined;
    }
    // handlePublish's promise never rejects: no extra promise per uplink PUBLISH.
    if (pending === undefined || item.type === MsgType.PUBLISH) return pending;
    return pending.catch((err: unknown) => logFailure(ctx, session, msgTypeName(item.type), err));
  };
}

function dispatch(ctx: GatewayContext, session: Session, packet: MqttSnPacket): Promise<void> | undefined {
  switch (packet.type) {
    case MsgType.CONNECT:
      return handleConnect(ctx, session, packet);
    case MsgType.WILLTOPIC:
      return handleWillTopic(ctx, session, packet);
    case MsgType.WILLMSG:
      return handleWillMsg(ctx, session, packet);
    case MsgType.REGISTER:
      handleRegister(ctx, session, packet);
      return undefined;
    case MsgType.REGACK:
      handleRegAck(ctx, session, packet);
      return undefined;
    case MsgType.PUBLISH:
      return handlePublish(ctx, session, packet);
    case MsgType.PUBACK:
      handlePubAck(ctx, session, packet);
      return undefined;
    case MsgType.PUBREC:
      handlePubRec(ctx, session, packet);
      return undefined;
    case MsgType.PUBREL:
      handlePubRel(ctx, session, packet);
      return undefined;
    case MsgType.PUBCOMP:
      handlePubComp(ctx, session, packet);
      return undefined;
    case MsgType.SUBSCRIBE:
      return handleSubscribe(ctx, session, packet);
    case MsgType.UNSUBSCRIBE:
      return handleUnsubscribe(ctx, session, packet);
    case MsgType.PINGREQ:
      handlePingReq(ctx, session, packet);
      return undefined;
    case MsgType.DISCONNECT:
      return handleDisconnect(ctx, session, packet);
    case MsgType.WILLTOPICUPD:
      handleWillTopicUpd(ctx, session, packet);
      return undefined;
    case MsgType.WILLMSGUPD:
      handleWillMsgUpd(ctx, session, packet);
      return undefined;
    default:
      ctx.stats.unexpected += 1;
      return undefined;
  }
}

function refuse(ctx: GatewayContext, session: Session, packet: MqttSnPacket): Promise<void> | undefined {
  ctx.stats.unexpected += 1;
  if (ctx.debug) ctx.logger.debug({ clientId: session.clientId, type: msgTypeName(packet.type), state: session.state }, 'packet not valid in this state');
  if (!isHandshake(session.state)) return undefined;
  // §6.3: anything but the expected answer during the will handshake ends it.
  ctx.send(session.peer, { type: MsgType.DISCONNECT });
  return endSession(ctx, session, 'refused');
}

function logFailure(ctx: GatewayContext, session: Session, what: string, err: unknown): void {
  ctx.logger.error({ err, clientId: session.clientId, what }, 'MQTT-SN handler failed');
}
