import type { UpstreamMessage, UpstreamSession } from '../../upstream/types.js';
import { MsgType, ReturnCode } from '../codec/constants.js';
import type { Publish } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { MAX_AWAITING_REL } from '../parameters.js';
import type { Session } from '../session.js';
import { refusedName } from './refused-name.js';
import { rawTopicId, resolvePublishTopic } from './topic-ref.js';

/**
 * §6.8 PUBLISH from a connected client. QoS -1 is QoS 0 here. QoS 1/2 are
 * acknowledged only after the broker accepted the message; a QoS 2
 * duplicate (same MsgId before PUBREL) is answered PUBREC again and not
 * re-published, nor is a DUP of the PUBLISH answered last with PUBACK. Invalid topic ids get PUBACK 0x02 whatever the QoS.
 *
 * Hot path (every uplink datagram): no closures are made here; the returned
 * promise (QoS 1/2) never rejects, so the session queue needs no extra
 * handler around it.
 */
export function handlePublish(ctx: GatewayContext, session: Session, packet: Publish): Promise<void> | undefined {
  const qos = packet.qos === -1 ? 0 : packet.qos;
  const resolved = resolvePublishTopic(packet.topic, ctx.predefined, session.registry);
  if ('returnCode' in resolved) {
    if (resolved.reason !== undefined && packet.topic.kind === 'short')
      refusedName(ctx, session.peer, session.clientId, 'topicName', packet.topic.name, resolved.reason);
    sendPubAck(ctx, session, packet, resolved.returnCode);
    return undefined;
  }
  if (qos === 2 && session.awaitingRel?.has(packet.msgId) === true) {
    ctx.send(session.peer, { type: MsgType.PUBREC, msgId: packet.msgId });
    return undefined;
  }
  if (packet.dup && qos > 0 && packet.msgId === session.lastPubAckMsgId) {
    // §6.13: a retransmission (DUP) of the PUBLISH answered last is that same message, often
    // queued behind it while the broker took its time: it gets the same answer and is not
    // published again (a QoS 2 message would otherwise reach subscribers twice).
    sendPubAck(ctx, session, packet, session.lastPubAckCode);
    return undefined;
  }
  const upstream = session.upstream;
  if (upstream === undefined || (qos === 2 && (session.awaitingRel?.size ?? 0) >= MAX_AWAITING_REL)) {
    sendPubAck(ctx, session, packet, ReturnCode.CONGESTION);
    return undefined;
  }
  const message: UpstreamMessage = { topic: session.mountpoint + resolved.name, payload: packet.data, qos, retain: packet.retain };
  if (qos === 0) {
    // Not awaited: publish order is call order, and the session's next packet need not wait.
    upstream.publish(message).catch((err: unknown) => {
      ctx.stats.dropped += 1;
      if (ctx.debug) ctx.logger.debug({ err, clientId: session.clientId }, 'QoS 0 publish failed');
    });
    return undefined;
  }
  return publishAcknowledged(ctx, session, upstream, packet, message);
}

function sendPubAck(ctx: GatewayContext, session: Session, packet: Publish, returnCode: number): void {
  ctx.send(session.peer, { type: MsgType.PUBACK, topicId: rawTopicId(packet.topic), msgId: packet.msgId, returnCode });
}

/** PUBACK after the broker round trip, remembered for the device's retransmissions of the same PUBLISH. */
function answerPubAck(ctx: GatewayContext, session: Session, packet: Publish, returnCode: number): void {
  session.lastPubAckMsgId = packet.msgId;
  session.lastPubAckCode = returnCode;
  sendPubAck(ctx, session, packet, returnCode);
}

/** QoS 1/2: the device hears PUBACK / PUBREC only once the broker accepted the message. Never rejects. */
async function publishAcknowledged(ctx: GatewayContext, session: Session, upstream: UpstreamSession, packet: Publish, message: UpstreamMessage): Promise<void> {
  try {
    await upstream.publish(message);
  } catch (err) {
    if (ctx.debug) ctx.logger.debug({ err, clientId: session.clientId }, 'broker did not accept a publish');
    answerPubAck(ctx, session, packet, ReturnCode.CONGESTION);
    return;
  }
  if (message.qos === 1) {
    answerPubAck(ctx, session, packet, ReturnCode.ACCEPTED);
    return;
  }
  session.lastPubAckMsgId = -1;
  session.awaitingRel ??= new Set();
  session.awaitingRel.add(packet.msgId);
  ctx.send(session.peer, { type: MsgType.PUBREC, msgId: packet.msgId });
}
