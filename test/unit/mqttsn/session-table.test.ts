import { describe, expect, it } from 'vitest';
import { makeSnPeer, type SnPeer } from '../../../src/mqttsn/peer.js';
import { Session } from '../../../src/mqttsn/session.js';
import { SessionTable } from '../../../src/mqttsn/session-table.js';

const limits = { maxInflight: 1, bufferSize: 10 };
const at = (t: SessionTable, p: SnPeer): Session | undefined => t.atPeer(p.listener, p.address, p.port, p.nodeId);
const session = (port: number, nodeId?: Buffer): Session => new Session(makeSnPeer(0, '10.0.0.1', port, nodeId), limits, () => undefined, 0);

describe('SessionTable', () => {
  it('finds sessions by peer and by client id, and counts connections per listener', () => {
    const t = new SessionTable(2);
    const a = session(1000);
    t.attach(a, a.peer);
    expect(at(t, a.peer)).toBe(a);
    expect(t.connections(0)).toBe(0);
    t.bindClientId(a, 'dev-a');
    expect(t.byClientId('dev-a')).toBe(a);
    expect(t.connections(0)).toBe(1);
    t.remove(a);
    expect(at(t, a.peer)).toBeUndefined();
    expect(t.byClientId('dev-a')).toBeUndefined();
    expect(t.connections(0)).toBe(0);
  });

  it('a counted session attached on another listener is counted there, and uncounted there when removed', () => {
    const t = new SessionTable(2);
    const a = session(1000);
    t.attach(a, a.peer);
    t.bindClientId(a, 'dev-a');
    expect([t.connections(0), t.connections(1)]).toEqual([1, 0]);
    t.attach(a, makeSnPeer(1, '10.0.0.9', 2000, undefined));
    expect(a.countedOn).toBe(1);
    expect([t.connections(0), t.connections(1)]).toEqual([0, 1]);
    t.attach(a, makeSnPeer(1, '10.0.0.9', 2001, undefined)); // same listener: no change
    expect([t.connections(0), t.connections(1)]).toEqual([0, 1]);
    t.remove(a);
    expect([t.connections(0), t.connections(1)]).toEqual([0, 0]);
  });

  it('moves a session to a new address (NAT rebinding) and keeps it findable by client id when detached', () => {
    const t = new SessionTable(1);
    const a = session(1000);
    t.attach(a, a.peer);
    t.bindClientId(a, 'dev-a');
    const moved = makeSnPeer(0, '10.0.0.9', 2000, undefined);
    t.attach(a, moved);
    expect(t.atPeer(0, '10.0.0.1', 1000, undefined)).toBeUndefined();
    expect(at(t, moved)).toBe(a);
    t.detach(a);
    expect(a.attached).toBe(false);
    expect(at(t, moved)).toBeUndefined();
    expect(t.byClientId('dev-a')).toBe(a);
  });

  it('keys forwarder nodes separately behind one address', () => {
    const t = new SessionTable(1);
    const n1 = session(1000, Buffer.from([1]));
    const n2 = session(1000, Buffer.from([2]));
    t.attach(n1, n1.peer);
    t.attach(n2, n2.peer);
    expect(at(t, n1.peer)).toBe(n1);
    expect(at(t, n2.peer)).toBe(n2);
    expect(t.peerCount).toBe(2);
    expect([...t.handshakes()]).toHaveLength(2);
    expect(t.atPeer(0, '10.0.0.1', 1000, undefined)).toBeUndefined();
    expect(t.atPeer(0, '10.0.0.1', 1000, Buffer.from([3]))).toBeUndefined();
    t.remove(n1);
    expect(at(t, n1.peer)).toBeUndefined();
    expect(at(t, n2.peer)).toBe(n2);
    expect(t.peerCount).toBe(1);
  });

  it('keeps listeners apart, counts peers, and replaces or keeps mappings as sessions move', () => {
    const t = new SessionTable(2);
    const a = session(1000);
    const b = new Session(makeSnPeer(1, '10.0.0.1', 1000, undefined), limits, () => undefined, 0);
    t.attach(a, a.peer);
    t.attach(b, b.peer);
    expect(at(t, a.peer)).toBe(a);
    expect(at(t, b.peer)).toBe(b);
    expect(t.peerCount).toBe(2);
    // a moves onto another port: the old mapping goes, the count stays
    t.attach(a, makeSnPeer(0, '10.0.0.1', 1001, undefined));
    expect(t.atPeer(0, '10.0.0.1', 1000, undefined)).toBeUndefined();
    expect(t.atPeer(0, '10.0.0.1', 1001, undefined)).toBe(a);
    expect(t.peerCount).toBe(2);
    // detaching a session that no longer sits under its peer leaves the new owner alone
    const c = session(1001);
    t.attach(c, c.peer);
    expect(t.peerCount).toBe(2);
    t.detach(a);
    expect(t.atPeer(0, '10.0.0.1', 1001, undefined)).toBe(c);
    expect([...t.handshakes()].sort((x, y) => x.peer.listener - y.peer.listener)).toEqual([c, b]);
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
