import { MsgType, ReturnCode } from '../codec/constants.js';
import type { Subscribe, TopicRef, Unsubscribe } from '../codec/types.js';
import type { GatewayContext } from '../context.js';
import type { Session } from '../session.js';
import { checkTopicFilter, hasWildcard } from '../topic-names.js';
import { refusedName } from './refused-name.js';

type ResolvedFilter = { readonly filter: string; readonly topicId: number } | { readonly returnCode: number };

/**
 * §6.9 SUBSCRIBE target: a topic name (id returned for a plain name — the
 * predefined id for a predefined name —, 0 for wildcards), a predefined id
 * (unknown -> 0x02), a short name (id 0); the reserved type -> 0x03.
 */
function resolveFilter(ctx: GatewayContext, session: Session, ref: TopicRef, assignId: boolean): ResolvedFilter {
  switch (ref.kind) {
    case 'name': {
      if (!acceptableFilter(ctx, session, ref.name)) return { returnCode: ReturnCode.NOT_SUPPORTED };
      if (hasWildcard(ref.name)) return { filter: ref.name, topicId: 0 };
      // UNSUBSCRIBE needs no id: it must neither grow the registry nor fail when it is full.
      if (!assignId) return { filter: ref.name, topicId: 0 };
      const id = ctx.predefined.idOf(ref.name) ?? session.registry.register(ref.name, true);
      return id === undefined ? { returnCode: ReturnCode.CONGESTION } : { filter: ref.name, topicId: id };
    }
    case 'short':
      return acceptableFilter(ctx, session, ref.name) ? { filter: ref.name, topicId: 0 } : { returnCode: ReturnCode.NOT_SUPPORTED };
    case 'predefined': {
      const name = ctx.predefined.nameOf(ref.id);
      return name === undefined ? { returnCode: ReturnCode.INVALID_TOPIC_ID } : { filter: name, topicId: ref.id };
    }
    case 'normal': {
      const name = session.registry.nameOf(ref.id);
      return name === undefined ? { returnCode: ReturnCode.INVALID_TOPIC_ID } : { filter: name, topicId: ref.id };
    }
    default:
      return { returnCode: ReturnCode.NOT_SUPPORTED };
  }
}

/** MQTT 3.1.1 §4.7.1 via the topic rules: strict UTF-8, no NUL, wildcards only as whole levels. */
function acceptableFilter(ctx: GatewayContext, session: Session, filter: string): boolean {
  const problem = checkTopicFilter(filter);
  if (problem === undefined) return true;
  refusedName(ctx, session.peer, session.clientId, 'topicFilter', filter, problem);
  return false;
}

/**
 * SUBSCRIBE -> broker SUBSCRIBE -> SUBACK with the broker's granted QoS. A
 * broker refusal (0x80) is answered with EMQX's non-standard 0x80. Downlink
 * is held until the SUBACK is out so retained messages cannot overtake it.
 */
export async function handleSubscribe(ctx: GatewayContext, session: Session, packet: Subscribe): Promise<void> {
  const qos = packet.qos === -1 ? 0 : packet.qos;
  const resolved = resolveFilter(ctx, session, packet.topic, true);
  const upstream = session.upstream;
  const suback = (grantedQos: 0 | 1 | 2, topicId: number, returnCode: number): void => {
    ctx.send(session.peer, { type: MsgType.SUBACK, qos: grantedQos, topicId, msgId: packet.msgId, returnCode });
  };
  if ('returnCode' in resolved) {
    suback(0, 0, resolved.returnCode);
    return;
  }
  if (upstream === undefined) {
    suback(0, 0, ReturnCode.CONGESTION);
    return;
  }
  session.deliveryHold += 1;
  try {
    const [granted] = await upstream.subscribe([{ topic: session.mountpoint + resolved.filter, qos }]);
    if (granted === undefined || granted === 0x80) {
      suback(0, 0, ReturnCode.NOT_AUTHORIZED);
    } else {
      session.subscriptions.set(resolved.filter, granted);
      suback(granted, resolved.topicId, ReturnCode.ACCEPTED);
    }
  } catch (err) {
    ctx.logger.debug({ err, clientId: session.clientId }, 'broker subscribe failed');
    suback(0, 0, ReturnCode.CONGESTION);
  } finally {
    session.deliveryHold -= 1;
    ctx.delivery.pump(session);
  }
}

/** §6.10 UNSUBSCRIBE is always answered with UNSUBACK. */
export async function handleUnsubscribe(ctx: GatewayContext, session: Session, packet: Unsubscribe): Promise<void> {
  const resolved = resolveFilter(ctx, session, packet.topic, false);
  const upstream = session.upstream;
  if ('filter' in resolved) {
    session.subscriptions.delete(resolved.filter);
    if (upstream !== undefined) {
      try {
        await upstream.unsubscribe([session.mountpoint + resolved.filter]);
      } catch (err) {
        ctx.logger.debug({ err, clientId: session.clientId }, 'broker unsubscribe failed');
      }
    }
  }
  ctx.send(session.peer, { type: MsgType.UNSUBACK, msgId: packet.msgId });
}
