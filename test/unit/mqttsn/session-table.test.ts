import { describe, expect, it } from 'vitest';
import { makeSnPeer, snPeerKey } from '../../../src/mqttsn/peer.js';
import { Session } from '../../../src/mqttsn/session.js';
import { SessionTable } from '../../../src/mqttsn/session-table.js';

const limits = { maxInflight: 1, bufferSize: 10 };
const session = (port: number, nodeId?: Buffer): Session => new Session(makeSnPeer(0, '10.0.0.1', port, nodeId), limits, () => undefined, 0);

describe('SessionTable', () => {
  it('finds sessions by peer and by client id, and counts connections per listener', () => {
    const t = new SessionTable(2);
    const a = session(1000);
    t.attach(a, a.peer);
    expect(t.atPeer(a.peer.key)).toBe(a);
    expect(t.connections(0)).toBe(0);
    t.bindClientId(a, 'dev-a');
    expect(t.byClientId('dev-a')).toBe(a);
    expect(t.connections(0)).toBe(1);
    t.remove(a);
    expect(t.atPeer(a.peer.key)).toBeUndefined();
    expect(t.byClientId('dev-a')).toBeUndefined();
    expect(t.connections(0)).toBe(0);
  });

  it('moves a session to a new address (NAT rebinding) and keeps it findable by client id when detached', () => {
    const t = new SessionTable(1);
    const a = session(1000);
    t.attach(a, a.peer);
    t.bindClientId(a, 'dev-a');
    const moved = makeSnPeer(0, '10.0.0.9', 2000, undefined);
    t.attach(a, moved);
    expect(t.atPeer(snPeerKey(0, '10.0.0.1', 1000, undefined))).toBeUndefined();
    expect(t.atPeer(moved.key)).toBe(a);
    t.detach(a);
    expect(a.attached).toBe(false);
    expect(t.atPeer(moved.key)).toBeUndefined();
    expect(t.byClientId('dev-a')).toBe(a);
  });

  it('keys forwarder nodes separately behind one address', () => {
    const t = new SessionTable(1);
    const n1 = session(1000, Buffer.from([1]));
    const n2 = session(1000, Buffer.from([2]));
    t.attach(n1, n1.peer);
    t.attach(n2, n2.peer);
    expect(t.atPeer(n1.peer.key)).toBe(n1);
    expect(t.atPeer(n2.peer.key)).toBe(n2);
    expect(t.peerCount).toBe(2);
    expect([...t.handshakes()]).toHaveLength(2);
  });

  it('a takeover under the same client id uncounts the old session', () => {
    const t = new SessionTable(1);
    const a = session(1000);
    const b = session(1001);
    t.attach(a, a.peer);
    t.bindClientId(a, 'dup');
    t.attach(b, b.peer);
    t.bindClientId(b, 'dup');
    expect(t.byClientId('dup')).toBe(b);
    expect(t.connections(0)).toBe(1);
    t.remove(a); // the old one going away must not remove the new mapping
    expect(t.byClientId('dup')).toBe(b);
    expect(t.connections(0)).toBe(1);
  });
});
