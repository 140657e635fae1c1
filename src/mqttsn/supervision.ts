import type { GatewayContext } from './context.js';
import { declareLost, expireSession } from './lifecycle.js';
import { keepaliveSupervisionMs, sleepSupervisionMs } from './parameters.js';
import type { Session } from './session.js';
import { SessionState, isHandshake } from './session-state.js';

/**
 * Every deadline of one session, computed from its state: idle_timeout for a
 * handshake that never completes, keepalive x multiplier while active
 * (§6.10), sleep duration + tolerance while asleep (§6.14), T_RETRY for
 * downlink retransmission (§6.13), session_expiry while disconnected.
 */
export function nextDeadline(ctx: GatewayContext, session: Session): number | undefined {
  const state = session.state;
  if (isHandshake(state)) return session.lastHeard + ctx.config.idle_timeout;
  let at: number | undefined;
  if (state === SessionState.Active) {
    const window = keepaliveSupervisionMs(session.keepAliveMs, ctx.config.keepalive_multiplier);
    if (window > 0) at = session.lastHeard + window;
  } else if (state === SessionState.Asleep || state === SessionState.Awake) {
    at = Math.max(session.lastHeard, session.stateSince) + sleepSupervisionMs(session.sleepMs);
  } else if (state === SessionState.Disconnected) {
    return session.stateSince + ctx.config.session_expiry;
  } else {
    return undefined;
  }
  if (state !== SessionState.Asleep) {
    const retry = ctx.delivery.retryDeadline(session);
    if (retry !== undefined && (at === undefined || retry < at)) at = retry;
  }
  return at;
}

/** Timer-wheel callback: acts on whatever expired, returns the next deadline. */
export function onSessionDeadline(ctx: GatewayContext, session: Session, now: number): number | undefined {
  const state = session.state;
  if (isHandshake(state)) {
    if (session.lastHeard + ctx.config.idle_timeout <= now) {
      ctx.logger.debug({ clientId: session.clientId }, 'handshake idle timeout');
      ctx.table.remove(session);
      session.transition(SessionState.Closed, now);
      if (session.upstream !== undefined) void ctx.links.end(session);
      return undefined;
    }
  } else if (state === SessionState.Active) {
    const window = keepaliveSupervisionMs(session.keepAliveMs, ctx.config.keepalive_multiplier);
    if (window > 0 && session.lastHeard + window <= now) {
      declareLost(ctx, session, 'keepalive timeout');
      return undefined;
    }
  } else if (state === SessionState.Asleep || state === SessionState.Awake) {
    if (Math.max(session.lastHeard, session.stateSince) + sleepSupervisionMs(session.sleepMs) <= now) {
      declareLost(ctx, session, 'sleep timeout');
      return undefined;
    }
  } else if (state === SessionState.Disconnected) {
    if (session.stateSince + ctx.config.session_expiry <= now) {
      // A CONNECT for this client id is queued (the dispatcher attached the
      // session to its sender): let it resume the session instead of expiring
      // it underneath — unless that CONNECT went nowhere for idle_timeout.
      const reconnecting = session.attached && session.lastHeard + ctx.config.idle_timeout > now;
      if (reconnecting) return session.lastHeard + ctx.config.idle_timeout;
      expireSession(ctx, session);
      return undefined;
    }
    return nextDeadline(ctx, session);
  } else {
    return undefined;
  }
  if (state !== SessionState.Asleep && !ctx.delivery.retransmitDue(session, now)) {
    declareLost(ctx, session, 'retries exhausted');
    return undefined;
  }
  return nextDeadline(ctx, session);
}
