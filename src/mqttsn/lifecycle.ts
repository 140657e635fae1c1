import { MsgType } from './codec/constants.js';
import type { GatewayContext } from './context.js';
import { describePeer } from './peer.js';
import type { Session } from './session.js';
import { SessionState, isTerminal } from './session-state.js';

/** Why a session ends without being lost. */
export type EndReason = 'disconnect' | 'refused' | 'displaced' | 'taken-over' | 'upstream-closed' | 'shutdown' | 'kicked';

/**
 * §6.14 "lost": keepalive or sleep supervision expired, or N_RETRY
 * retransmissions went unanswered. The client gets DISCONNECT, then (in its
 * queue, after whatever is being handled) the CURRENT will is published and
 * the broker session ended. A clean-session-off client keeps its state.
 */
export function declareLost(ctx: GatewayContext, session: Session, reason: string): void {
  if (isTerminal(session.state) || session.state === SessionState.Disconnected) return;
  const now = ctx.now();
  ctx.stats.lost += 1;
  ctx.logger.info({ clientId: session.clientId, peer: describePeer(session.peer), reason }, 'MQTT-SN client lost');
  if (session.attached) ctx.send(session.peer, { type: MsgType.DISCONNECT });
  ctx.table.detach(session);
  ctx.unschedule(session);
  const keep = !session.cleanSession && session.clientId !== undefined;
  session.transition(keep ? SessionState.Disconnected : SessionState.Lost, now);
  // A reconnect under the same client id (a new session once this one is
  // Lost) must not reach the broker before this will is out.
  const release = ctx.links.reserve(session);
  session.enqueue({
    type: 'signal',
    name: 'lost',
    run: async (s) => {
      try {
        if (await ctx.links.publishWill(s)) ctx.stats.willsPublished += 1;
        await ctx.links.end(s);
      } finally {
        release();
      }
      if (s.state === SessionState.Lost) ctx.table.remove(s);
      else ctx.reschedule(s);
    },
  });
}

/**
 * Ends a session from inside its queue: the broker session is ended normally
 * (no will), then a clean-session-off client is kept as disconnected for
 * session_expiry and the rest are forgotten.
 */
export async function endSession(ctx: GatewayContext, session: Session, reason: EndReason): Promise<void> {
  if (isTerminal(session.state)) return;
  const wasConnected = session.clientId !== undefined && ctx.table.byClientId(session.clientId) === session;
  ctx.table.detach(session);
  // A kicked client loses its session as well (EMQX: DELETE .../clients/{id} discards it).
  const keep = wasConnected && !session.cleanSession && reason !== 'refused' && reason !== 'shutdown' && reason !== 'kicked';
  session.transition(keep ? SessionState.Disconnected : SessionState.Closed, ctx.now());
  if (keep) ctx.reschedule(session);
  else {
    ctx.unschedule(session);
    ctx.table.remove(session);
  }
  await ctx.links.end(session);
  if (wasConnected) {
    ctx.logger.info({ clientId: session.clientId, peer: describePeer(session.peer), reason, kept: keep }, 'MQTT-SN client disconnected');
  }
}

/** Drops a kept (clean session off) session whose session_expiry passed. */
export function expireSession(ctx: GatewayContext, session: Session): void {
  ctx.unschedule(session);
  ctx.table.remove(session);
  session.transition(SessionState.Closed, ctx.now());
  session.resetState();
  ctx.logger.info({ clientId: session.clientId }, 'MQTT-SN session expired');
  void ctx.links.purge(session);
}
