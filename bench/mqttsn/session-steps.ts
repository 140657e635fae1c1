import { generatePacket, MsgType, type SnQos } from '../../src/mqttsn/codec/index.js';
import type { SnLoadClient } from './load-client.js';
import { headerLength } from './wire.js';

/** Control-plane steps shared by the MQTT-SN scenarios (MQTT-SN v1.2 §6). */

export class RejectedError extends Error {
  constructor(
    what: string,
    readonly returnCode: number,
  ) {
    super(`${what} rejected with return code 0x${returnCode.toString(16).padStart(2, '0')}`);
  }
}

/** §6.2 CONNECT without will. */
export function connectPacket(c: SnLoadClient, opts: { keepAliveS: number; cleanSession: boolean }): Buffer {
  return generatePacket({
    type: MsgType.CONNECT,
    will: false,
    cleanSession: opts.cleanSession,
    protocolId: 0x01,
    duration: opts.keepAliveS,
    clientId: c.clientId,
  });
}

/**
 * §6.2 CONNECT (no will) -> CONNACK; rejects with RejectedError on a non-zero return code.
 * `prepared` = a CONNECT generated beforehand (connect storms time only the exchange).
 */
export async function connect(c: SnLoadClient, opts: { keepAliveS: number; cleanSession: boolean; timeoutMs: number; prepared?: Buffer }): Promise<void> {
  const ack = await c.request(opts.prepared ?? connectPacket(c, opts), MsgType.CONNACK, opts.timeoutMs);
  const rc = ack[headerLength(ack) + 1] ?? 0xff;
  if (rc !== 0) throw new RejectedError('CONNECT', rc);
}

/** §6.5 REGISTER -> REGACK; stores the topic id on the client. */
export async function register(c: SnLoadClient, topicName: string, timeoutMs: number): Promise<number> {
  const msgId = c.nextMsgId();
  const ack = await c.request({ type: MsgType.REGISTER, topicId: 0, msgId, topicName }, MsgType.REGACK, timeoutMs, msgId);
  const h = headerLength(ack);
  const rc = ack[h + 5] ?? 0xff;
  if (rc !== 0) throw new RejectedError('REGISTER', rc);
  c.topicId = ack.readUInt16BE(h + 1);
  return c.topicId;
}

/** §6.9 SUBSCRIBE by topic name -> SUBACK; stores the granted topic id. */
export async function subscribe(c: SnLoadClient, topicName: string, qos: 0 | 1 | 2, timeoutMs: number): Promise<number> {
  const msgId = c.nextMsgId();
  const ack = await c.request(
    { type: MsgType.SUBSCRIBE, dup: false, qos: qos as SnQos, msgId, topic: { kind: 'name', name: topicName } },
    MsgType.SUBACK,
    timeoutMs,
    msgId,
  );
  const h = headerLength(ack);
  const rc = ack[h + 6] ?? 0xff;
  if (rc !== 0) throw new RejectedError('SUBSCRIBE', rc);
  c.topicId = ack.readUInt16BE(h + 2);
  return c.topicId;
}

/** §6.14 DISCONNECT (with a duration = go to sleep) -> DISCONNECT. */
export async function disconnect(c: SnLoadClient, timeoutMs: number, sleepS?: number): Promise<void> {
  await c.request({ type: MsgType.DISCONNECT, duration: sleepS }, MsgType.DISCONNECT, timeoutMs);
}

/**
 * Best effort DISCONNECT of every client at the end of a run, so the gateway forgets them;
 * at most `concurrency` outstanding, so the teardown is no burst of its own.
 */
export async function disconnectAll(clients: readonly SnLoadClient[], timeoutMs: number, concurrency = 500): Promise<number> {
  let ok = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < clients.length) {
      const c = clients[next++];
      c.onDatagram = undefined;
      try {
        await disconnect(c, timeoutMs);
        ok++;
      } catch {
        // already gone, or the gateway did not answer: nothing to clean up on our side
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, lane));
  return ok;
}
