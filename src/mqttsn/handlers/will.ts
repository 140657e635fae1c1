import { MsgType, ReturnCode } from '../codec/constants.js';
import type { WillMsg, WillMsgUpd, WillTopic, WillTopicUpd } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { endSession } from '../lifecycle.js';
import type { Session } from '../session.js';
import { SessionState } from '../session-state.js';
import { checkTopicName } from '../topic-names.js';
import { refusedName } from './refused-name.js';
import { finishConnect } from './connect.js';

/** §6.3 WILLTOPIC: an empty one means "no will"; a retransmitted one gets WILLMSGREQ again. */
export async function handleWillTopic(ctx: GatewayContext, session: Session, packet: WillTopic): Promise<void> {
  if (packet.topic === undefined) {
    session.will = undefined;
    await finishConnect(ctx, session);
    return;
  }
  const problem = checkTopicName(packet.topic);
  if (problem !== undefined) {
    // §5.4.6 has no answer to WILLTOPIC but CONNACK: 0x03 ends the handshake.
    refusedName(ctx, session.peer, session.clientId, 'willTopic', packet.topic, problem);
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
  const problem = packet.topic === undefined ? undefined : checkTopicName(packet.topic);
  if (packet.topic === undefined) {
    session.will = undefined;
  } else if (problem !== undefined) {
    // §5.4.23 WILLTOPICRESP 0x03: the will stays as it was.
    refusedName(ctx, session.peer, session.clientId, 'willTopic', packet.topic, problem);
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
