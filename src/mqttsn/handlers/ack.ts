import { MsgType } from '../codec/constants.js';
import type { PubAck, PubComp, PubRec, PubRel, RegAck } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import type { Session } from '../session.js';

/** §6.12 acknowledgements of downlink messages, and §6.5 REGACK of a gateway REGISTER. */
export function handlePubAck(ctx: GatewayContext, session: Session, packet: PubAck): void {
  ctx.delivery.onPubAck(session, packet);
}

export function handlePubRec(ctx: GatewayContext, session: Session, packet: PubRec): void {
  ctx.delivery.onPubRec(session, packet.msgId);
}

export function handlePubComp(ctx: GatewayContext, session: Session, packet: PubComp): void {
  ctx.delivery.onPubComp(session, packet.msgId);
}

export function handleRegAck(ctx: GatewayContext, session: Session, packet: RegAck): void {
  ctx.delivery.onRegAck(session, packet.msgId, packet.returnCode);
}

/** §6.8 PUBREL of an uplink QoS 2 message: always answered with PUBCOMP. */
export function handlePubRel(ctx: GatewayContext, session: Session, packet: PubRel): void {
  session.awaitingRel?.delete(packet.msgId);
  ctx.send(session.peer, { type: MsgType.PUBCOMP, msgId: packet.msgId });
}
