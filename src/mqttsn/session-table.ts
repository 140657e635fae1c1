import { snPeerKey, type SnPeer } from './peer.js';
import type { Session } from './session.js';

/**
 * Sessions by peer (listener + address + port + forwarder node id) and by
 * client id. A session may sit under a client id without a peer (asleep
 * after its address was reused, or disconnected with clean session off);
 * CONNECT and a wake-up PINGREQ carrying its client id attach it to the
 * sender's address (NAT rebinding).
 *
 * Direct peers are found through address -> port maps per listener, so the
 * per-datagram lookup builds no key string; peers behind a forwarder (§5.5)
 * are rare and use the full key.
 */
export class SessionTable {
  readonly #direct: Map<string, Map<number, Session>>[];
  readonly #forwarded = new Map<string, Session>();
  readonly #byClientId = new Map<string, Session>();
  readonly #connections: number[];
  #peerCount = 0;

  constructor(listenerCount: number) {
    this.#connections = new Array<number>(listenerCount).fill(0);
    this.#direct = Array.from({ length: listenerCount }, () => new Map<string, Map<number, Session>>());
  }

  get size(): number {
    return this.#byClientId.size;
  }

  get peerCount(): number {
    return this.#peerCount;
  }

  /** The session mapped under this sender (the per-datagram lookup). */
  atPeer(listener: number, address: string, port: number, nodeId: Buffer | undefined): Session | undefined {
    if (nodeId !== undefined) return this.#forwarded.get(snPeerKey(listener, address, port, nodeId));
    return this.#direct[listener]?.get(address)?.get(port);
  }

  byClientId(clientId: string): Session | undefined {
    return this.#byClientId.get(clientId);
  }

  /** Connected clients on a listener (max_connections). */
  connections(listener: number): number {
    return this.#connections[listener] ?? 0;
  }

  /**
   * Maps `session` under `peer`. The caller has already detached whatever sat
   * there. A counted session moving to another listener is counted there from
   * now on (the caller checked that listener's max_connections).
   */
  attach(session: Session, peer: SnPeer): void {
    if (session.attached) this.detach(session);
    if (session.countedOn !== undefined && session.countedOn !== peer.listener) {
      this.#uncount(session);
      this.#count(session, peer.listener);
    }
    session.peer = peer;
    this.#setPeer(peer, session);
    session.attached = true;
  }

  /** Removes the peer mapping only; the session stays findable by client id. */
  detach(session: Session): void {
    if (session.attached) this.#deletePeer(session.peer, session);
    session.attached = false;
  }

  /** Indexes the session under its client id and counts it on its listener. */
  bindClientId(session: Session, clientId: string): void {
    const current = this.#byClientId.get(clientId);
    if (current !== undefined && current !== session) this.#uncount(current);
    if (session.clientId !== undefined && session.clientId !== clientId && this.#byClientId.get(session.clientId) === session) {
      this.#byClientId.delete(session.clientId);
    }
    session.clientId = clientId;
    this.#byClientId.set(clientId, session);
    if (session.countedOn === undefined) this.#count(session, session.peer.listener);
  }

  /** Forgets the session entirely. */
  remove(session: Session): void {
    this.detach(session);
    if (session.clientId !== undefined && this.#byClientId.get(session.clientId) === session) {
      this.#byClientId.delete(session.clientId);
    }
    this.#uncount(session);
  }

  values(): IterableIterator<Session> {
    return this.#byClientId.values();
  }

  /** Sessions mapped under a peer but not (yet) under a client id: handshakes in progress. */
  *handshakes(): IterableIterator<Session> {
    for (const session of this.#peers()) {
      if (session.clientId === undefined || this.#byClientId.get(session.clientId) !== session) yield session;
    }
  }

  *#peers(): IterableIterator<Session> {
    yield* this.#forwarded.values();
    for (const byAddress of this.#direct) for (const byPort of byAddress.values()) yield* byPort.values();
  }

  #setPeer(peer: SnPeer, session: Session): void {
    if (peer.nodeId !== undefined) {
      if (!this.#forwarded.has(peer.key)) this.#peerCount += 1;
      this.#forwarded.set(peer.key, session);
      return;
    }
    const byAddress = this.#direct[peer.listener];
    if (byAddress === undefined) return;
    let byPort = byAddress.get(peer.address);
    if (byPort === undefined) {
      byPort = new Map();
      byAddress.set(peer.address, byPort);
    }
    if (!byPort.has(peer.port)) this.#peerCount += 1;
    byPort.set(peer.port, session);
  }

  /** Unmaps `peer` if `session` is what sits there. */
  #deletePeer(peer: SnPeer, session: Session): void {
    if (peer.nodeId !== undefined) {
      if (this.#forwarded.get(peer.key) === session) {
        this.#forwarded.delete(peer.key);
        this.#peerCount -= 1;
      }
      return;
    }
    const byAddress = this.#direct[peer.listener];
    const byPort = byAddress?.get(peer.address);
    if (byAddress === undefined || byPort === undefined || byPort.get(peer.port) !== session) return;
    byPort.delete(peer.port);
    this.#peerCount -= 1;
    if (byPort.size === 0) byAddress.delete(peer.address); // nothing per address outlives its sessions
  }

  #count(session: Session, listener: number): void {
    session.countedOn = listener;
    this.#connections[listener] = this.connections(listener) + 1;
  }

  #uncount(session: Session): void {
    const listener = session.countedOn;
    if (listener === undefined) return;
    session.countedOn = undefined;
    this.#connections[listener] = Math.max(0, this.connections(listener) - 1);
  }
}
