import { MsgType } from '../codec/constants.js';
import type { PingReq } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { describePeer } from '../peer.js';
import type { Session } from '../session.js';
import { SessionState } from '../session-state.js';

/**
 * §6.11 PINGREQ -> PINGRESP. From a sleeping client it is the wake-up of
 * §6.14: the buffered messages go out one by one (REGISTER first where
 * needed, acknowledged per QoS), and only then PINGRESP, after which the
 * client is asleep again (the delivery pipeline sends it).
 */
export function handlePingReq(ctx: GatewayContext, session: Session, _packet: PingReq): void {
  switch (session.state) {
    case SessionState.Asleep:
      session.transition(SessionState.Awake, ctx.now());
      ctx.logger.info({ clientId: session.clientId, peer: describePeer(session.peer), buffered: session.pendingCount }, 'MQTT-SN client awake');
      ctx.delivery.resume(session);
      return;
    case SessionState.Awake:
      ctx.delivery.pump(session);
      return;
    default:
      ctx.send(session.peer, { type: MsgType.PINGRESP });
  }
}
