import { MsgType } from '../codec/constants.js';
import type { Disconnect } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import { endSession } from '../lifecycle.js';
import { describePeer } from '../peer.js';
import type { Session } from '../session.js';
import { SessionState } from '../session-state.js';

/**
 * §6.6 DISCONNECT is acknowledged with DISCONNECT. With a Duration the client
 * goes to sleep (§6.14): keepalive supervision stops, the sleep duration (+
 * tolerance) is supervised instead and downlink messages are buffered. A new
 * DISCONNECT(duration) while asleep changes the duration.
 */
export async function handleDisconnect(ctx: GatewayContext, session: Session, packet: Disconnect): Promise<void> {
  ctx.send(session.peer, { type: MsgType.DISCONNECT });
  const duration = packet.duration ?? 0;
  if (duration > 0) {
    const now = ctx.now();
    session.sleepMs = duration * 1000;
    session.transition(SessionState.Asleep, now);
    session.lastHeard = now;
    session.overflowSinceWake = 0;
    ctx.logger.info({ clientId: session.clientId, peer: describePeer(session.peer), duration }, 'MQTT-SN client asleep');
    ctx.reschedule(session);
    return;
  }
  await endSession(ctx, session, 'disconnect');
}
