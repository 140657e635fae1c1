import type { GatewayContext } from '../context.js';
import { describePeer, type SnPeer } from '../peer.js';

/**
 * Counts and logs (at debug) a client id, topic name or filter the topic
 * rules refused; the caller answers with the message's return code.
 * `value` is logged JSON-escaped, so control characters and escaped octets stay visible.
 */
export function refusedName(ctx: GatewayContext, peer: SnPeer, clientId: string | undefined, what: string, value: string, reason: string): void {
  ctx.stats.refusedNames += 1;
  if (ctx.debug) ctx.logger.debug({ peer: describePeer(peer), clientId, [what]: JSON.stringify(value), reason }, `${what} refused: ${reason}`);
}
