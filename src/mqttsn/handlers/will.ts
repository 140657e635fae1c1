import { MsgType, ReturnCode } from '../codec/constants.js';
import type { WillMsg, WillMsgUpd, WillTopic, WillTopicUpd } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { endSession } from '../lifecycle.js';
import type { Session } from '../session.js';
import { SessionState } from '../session-state.js';
import { isValidTopicName } from '../../topics/topic-rules.js';
import { finishConnect } from './connect.js';

/** §6.3 WILLTOPIC: an empty one means "no will"; a retransmitted one gets WILLMSGREQ again. */
export async function handleWillTopic(ctx: GatewayContext, session: Session, packet: WillTopic): Promise<void> {
  if (packet.topic === undefined) {
    session.will = undefined;
    await finishConnect(ctx, session);
    return;
  }
  if (!isValidTopicName(packet.topic)) {
    ctx.send(session.peer, { type: MsgType.CONNACK, returnCode: ReturnCode.NOT_SUPPORTED });
    await endSession(ctx, session, 'refused');
    return;
  }
  session.pendingWillTopic = { topic: packet.topic, qos: packet.qos, retain: packet.retain };
  if (session.state !== SessionState.AwaitWillMsg) session.transition(SessionState.AwaitWillMsg, ctx.now());
  ctx.send(session.peer, { type: MsgType.WILLMSGREQ });
}

/** §6.3 WILLMSG completes the handshake. */
export async function handleWillMsg(ctx: GatewayContext, session: Session, packet: WillMsg): Promise<void> {
  const topic = session.pendingWillTopic;
  session.pendingWillTopic = undefined;
  if (topic === undefined) return;
  session.will = { ...topic, payload: packet.message };
  await finishConnect(ctx, session);
}

/** §6.4 WILLTOPICUPD: an empty one deletes the will. */
export function handleWillTopicUpd(ctx: GatewayContext, session: Session, packet: WillTopicUpd): void {
  let returnCode: number = ReturnCode.ACCEPTED;
  if (packet.topic === undefined) {
    session.will = undefined;
  } else if (!isValidTopicName(packet.topic)) {
    returnCode = ReturnCode.NOT_SUPPORTED;
  } else {
    session.will = { topic: packet.topic, qos: packet.qos, retain: packet.retain, payload: session.will?.payload ?? Buffer.alloc(0) };
  }
  ctx.send(session.peer, { type: MsgType.WILLTOPICRESP, returnCode });
}

/** §6.4 WILLMSGUPD: without a will there is nothing to update (0x03, as EMQX). */
export function handleWillMsgUpd(ctx: GatewayContext, session: Session, packet: WillMsgUpd): void {
  const will = session.will;
  if (will === undefined) {
    ctx.send(session.peer, { type: MsgType.WILLMSGRESP, returnCode: ReturnCode.NOT_SUPPORTED });
    return;
  }
  session.will = { ...will, payload: packet.message };
  ctx.send(session.peer, { type: MsgType.WILLMSGRESP, returnCode: ReturnCode.ACCEPTED });
}
