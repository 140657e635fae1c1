import { afterEach, describe, expect, it } from 'vitest';
import { MsgType, ReturnCode } from '../../../src/mqttsn/codec/index.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { startHarness, unique, type Harness } from './harness.js';

const opened: SnTestClient[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

/** Two listeners, `a` (index 0) and `b` (index 1), each with its own max_connections. */
async function twoListeners(maxA: number, maxB: number): Promise<{ h: Harness; onA: () => Promise<SnTestClient>; onB: () => Promise<SnTestClient> }> {
  const h = await startHarness({
    listeners: { udp: { a: { bind: '127.0.0.1:0', max_connections: maxA }, b: { bind: '127.0.0.1:0', max_connections: maxB } } },
  });
  const open = async (index: number): Promise<SnTestClient> => {
    const client = await SnTestClient.open(h.gateway.addresses[index]?.port ?? 0);
    opened.push(client);
    return client;
  };
  return { h, onA: () => open(0), onB: () => open(1) };
}

async function connectCode(c: SnTestClient, clientId: string, cleanSession = false): Promise<number> {
  await c.send({ type: MsgType.CONNECT, will: false, cleanSession, protocolId: 1, duration: 60, clientId });
  return (await c.expect(MsgType.CONNACK)).returnCode;
}

describe('MQTT-SN sessions moving between listeners', () => {
  it("a CONNECT from a new address on another listener moves the session's count there", async () => {
    const { h, onA, onB } = await twoListeners(1, 1);
    const id = unique('mover');
    const first = await onA();
    expect(await connectCode(first, id)).toBe(ReturnCode.ACCEPTED);
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([1, 0]);
    const moved = await onB();
    expect(await connectCode(moved, id)).toBe(ReturnCode.ACCEPTED);
    await first.expect(MsgType.DISCONNECT); // taken over
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([0, 1]);
    // b is full now; a has room again.
    expect(await connectCode(await onB(), unique('late-b'))).toBe(ReturnCode.CONGESTION);
    expect(await connectCode(await onA(), unique('new-a'))).toBe(ReturnCode.ACCEPTED);
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([1, 1]);
  });

  it('a full listener refuses a session moving in (CONNACK 0x01); the session stays where it was', async () => {
    const { h, onA, onB } = await twoListeners(5, 1);
    const id = unique('stays');
    const home = await onA();
    expect(await connectCode(home, id)).toBe(ReturnCode.ACCEPTED);
    expect(await connectCode(await onB(), unique('fills-b'))).toBe(ReturnCode.ACCEPTED);
    const intruder = await onB();
    expect(await connectCode(intruder, id)).toBe(ReturnCode.CONGESTION);
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([1, 1]);
    await home.expectNothing(100); // not taken over
    await home.send({ type: MsgType.PINGREQ });
    await home.expect(MsgType.PINGRESP);
  });

  it('a sleeper waking up on another listener moves its count, and is refused when that listener is full', async () => {
    const { h, onA, onB } = await twoListeners(5, 1);
    const id = unique('sleeper');
    const sleeper = await onA();
    expect(await connectCode(sleeper, id)).toBe(ReturnCode.ACCEPTED);
    await sleeper.send({ type: MsgType.DISCONNECT, duration: 30 });
    await sleeper.expect(MsgType.DISCONNECT);
    // b is full: the wake-up is refused with DISCONNECT and the session stays asleep, counted on a.
    const blocker = await onB();
    expect(await connectCode(blocker, unique('blocker'), true)).toBe(ReturnCode.ACCEPTED);
    const refused = await onB();
    await refused.send({ type: MsgType.PINGREQ, clientId: id });
    await refused.expect(MsgType.DISCONNECT);
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([1, 1]);
    // Room on b again (a clean session ends with its DISCONNECT): the wake-up moves the session and its count.
    await blocker.send({ type: MsgType.DISCONNECT });
    await blocker.expect(MsgType.DISCONNECT);
    await expect.poll(() => h.gateway.table.connections(1)).toBe(0);
    const woke = await onB();
    await woke.send({ type: MsgType.PINGREQ, clientId: id });
    await woke.expect(MsgType.PINGRESP);
    expect([h.gateway.table.connections(0), h.gateway.table.connections(1)]).toEqual([0, 1]);
  });
});
