import { generatePacket, MsgType, type SnQos, type TopicRef } from '../../src/mqttsn/codec/index.js';
import { LatencyHistogram } from '../common/histogram.js';
import type { SnLoadClient } from './load-client.js';
import { headerLength, publishMsgIdOffset } from './wire.js';

/**
 * Uplink hot loops. QoS 1/2: one message in flight per client (as devices do);
 * each client owns ONE pre-generated PUBLISH (and PUBREL) buffer whose MsgId
 * bytes are patched in place (the previous datagram is acknowledged, so it has left).
 * QoS 0/-1: a burst of pre-generated datagrams, MsgId 0 (§5.3.5: not relevant below QoS 1).
 */

export interface UplinkStats {
  sent: number;
  acked: number;
  rejected: number;
  /** Clients whose last message got no answer by the end of the run. */
  stalled: number;
  /** QoS 1/2 retransmissions (PUBLISH with DUP set, or PUBREL) after the retry interval. */
  retransmitted: number;
  readonly latency: LatencyHistogram;
  firstSendAt: number;
  lastAckAt: number;
}

export function newUplinkStats(): UplinkStats {
  return { sent: 0, acked: 0, rejected: 0, stalled: 0, retransmitted: 0, latency: new LatencyHistogram(), firstSendAt: 0, lastAckAt: 0 };
}

export function publishBuffer(qos: SnQos, topic: TopicRef, payload: Buffer): Buffer {
  return generatePacket({ type: MsgType.PUBLISH, dup: false, qos, retain: false, topic, msgId: 0, data: payload });
}

export interface InFlightRun {
  /** Ask every client to stop after its in-flight message. */
  stop(): void;
  /** Clients still waiting for an ack. */
  inFlight(): number;
  /** Stop retransmitting (the retry sweep). */
  dispose(): void;
}

/** DUP bit of the Flags octet (§5.3.4), set on a retransmitted PUBLISH. */
const DUP_FLAG = 0x80;

/**
 * Starts QoS 1 or 2 publishing on every client: send, wait for PUBACK (or PUBREC, PUBREL,
 * PUBCOMP), send the next. Stops per client after `perClientLimit` messages (0 = no limit)
 * or when stop() is called. `retryMs` > 0: a message still unanswered after that long is
 * sent again (PUBLISH with DUP set, or PUBREL), as a device does after Tretry (§6.13);
 * 0 = never (a lost datagram stalls its client for the rest of the run).
 */
export function startInFlightPublishing(
  clients: readonly SnLoadClient[],
  qos: 1 | 2,
  payload: Buffer,
  perClientLimit: number,
  stats: UplinkStats,
  retryMs = 0,
): InFlightRun {
  let stopping = false;
  let busy = 0;
  const starters: (() => void)[] = [];
  const retriers: ((now: number) => void)[] = [];
  for (const c of clients) {
    const pub = publishBuffer(qos, { kind: 'normal', id: c.topicId }, payload);
    const pubIdAt = publishMsgIdOffset(pub);
    const pubFlagsAt = headerLength(pub) + 1;
    // §5.4.14 PUBREL: Length, MsgType, MsgId(2).
    const pubrel = generatePacket({ type: MsgType.PUBREL, msgId: 0 });
    const relIdAt = headerLength(pubrel) + 1;
    let msgId = 0;
    let sentAt = 0;
    let count = 0;
    /** What goes out again on retry: the PUBLISH, the PUBREL, or nothing (idle). */
    let awaiting: Buffer | undefined;
    let lastSendAt = 0;
    const sendNext = (): void => {
      if (stopping || (perClientLimit > 0 && count >= perClientLimit)) {
        awaiting = undefined;
        busy--;
        return;
      }
      msgId = msgId === 0xffff ? 1 : msgId + 1;
      pub.writeUInt16BE(msgId, pubIdAt);
      pub[pubFlagsAt] = pub[pubFlagsAt] & ~DUP_FLAG;
      count++;
      stats.sent++;
      sentAt = performance.now();
      lastSendAt = sentAt;
      awaiting = pub;
      c.send(pub);
    };
    if (retryMs > 0) {
      retriers.push((now) => {
        if (awaiting === undefined || now - lastSendAt < retryMs) return;
        if (awaiting === pub) pub[pubFlagsAt] = pub[pubFlagsAt] | DUP_FLAG;
        lastSendAt = now;
        stats.retransmitted++;
        c.send(awaiting);
      });
    }
    const done = (ok: boolean): void => {
      const now = performance.now();
      if (ok) {
        stats.acked++;
        stats.latency.recordSince(sentAt, now);
      } else {
        stats.rejected++;
      }
      stats.lastAckAt = now;
      sendNext();
    };
    c.onDatagram = (msg: Buffer): void => {
      const h = msg[0] === 0x01 ? 3 : 1;
      const type = msg[h];
      if (type === MsgType.PUBACK) {
        // §5.4.13 PUBACK: TopicId(2), MsgId(2), ReturnCode.
        if (msg.length < h + 6 || msg.readUInt16BE(h + 3) !== msgId) return;
        done(msg[h + 5] === 0);
      } else if (type === MsgType.PUBREC) {
        if (msg.length < h + 3 || msg.readUInt16BE(h + 1) !== msgId) return;
        pubrel.writeUInt16BE(msgId, relIdAt);
        awaiting = pubrel;
        lastSendAt = performance.now();
        c.send(pubrel);
      } else if (type === MsgType.PUBCOMP) {
        if (msg.length < h + 3 || msg.readUInt16BE(h + 1) !== msgId) return;
        done(true);
      }
    };
    starters.push(sendNext);
  }
  stats.firstSendAt = performance.now();
  busy = starters.length;
  // Kick every client once; afterwards each ack drives its client's next send.
  for (const start of starters) start();
  // One sweep for all clients' retry deadlines (a timer per message would cost more than the send).
  const sweep =
    retriers.length > 0
      ? setInterval(
          () => {
            const now = performance.now();
            for (const retry of retriers) retry(now);
          },
          Math.max(10, Math.floor(retryMs / 4)),
        )
      : undefined;
  sweep?.unref();
  return {
    stop: () => {
      stopping = true;
    },
    dispose: () => {
      if (sweep) clearInterval(sweep);
    },
    inFlight: () => busy,
  };
}

/**
 * QoS 0 / -1 burst: `perClient` datagrams from every client, interleaved across clients,
 * yielding to the event loop every `batch` datagrams; optional total rate limit (msgs/s, 0 = none).
 */
export async function sendBurst(
  clients: readonly SnLoadClient[],
  bufs: readonly Buffer[],
  perClient: number,
  opts: { batch: number; rate: number; deadline: number },
  stats: UplinkStats,
): Promise<void> {
  stats.firstSendAt = performance.now();
  const total = clients.length * perClient;
  const batch = Math.max(1, opts.batch);
  let i = 0;
  while (i < total) {
    if (performance.now() >= opts.deadline) return;
    if (opts.rate > 0) {
      const allowed = Math.floor(((performance.now() - stats.firstSendAt) * opts.rate) / 1000) + 1;
      if (i >= allowed) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
    }
    const end = Math.min(total, i + batch);
    for (; i < end; i++) {
      const k = i % clients.length;
      clients[k].send(bufs[k]);
      stats.sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
}
