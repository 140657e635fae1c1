import { MsgType, ReturnCode } from '../codec/constants.js';
import type { Register } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import type { Session } from '../session.js';
import { checkTopicName } from '../topic-names.js';
import { refusedName } from './refused-name.js';

/**
 * §6.5 REGISTER from the client: the same name always gets the same id; a
 * predefined name gets its predefined id; a name the topic rules refuse
 * (wildcards, NUL, invalid UTF-8, empty) gets REGACK 0x03 "not supported" (§5.4.10).
 */
export function handleRegister(ctx: GatewayContext, session: Session, packet: Register): void {
  const name = packet.topicName;
  let topicId = 0;
  let returnCode: number = ReturnCode.ACCEPTED;
  const problem = checkTopicName(name);
  if (problem !== undefined) {
    refusedName(ctx, session.peer, session.clientId, 'topicName', name, problem);
    returnCode = ReturnCode.NOT_SUPPORTED;
  } else {
    const id = ctx.predefined.idOf(name) ?? session.registry.register(name, true);
    // No id left in 1025..65534: "congestion" is the closest v1.2 code.
    if (id === undefined) returnCode = ReturnCode.CONGESTION;
    else topicId = id;
  }
  ctx.send(session.peer, { type: MsgType.REGACK, topicId, msgId: packet.msgId, returnCode });
}
