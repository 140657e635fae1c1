import type { SnPeer } from './peer.js';
import type { Session } from './session.js';

/**
 * Sessions by peer (listener + address + port + forwarder node id) and by
 * client id. A session may sit under a client id without a peer (asleep
 * after its address was reused, or disconnected with clean session off);
 * CONNECT and a wake-up PINGREQ carrying its client id attach it to the
 * sender's address (NAT rebinding).
 */
export class SessionTable {
  readonly #byPeer = new Map<string, Session>();
  readonly #byClientId = new Map<string, Session>();
  readonly #connections: number[];

  constructor(listenerCount: number) {
    this.#connections = new Array<number>(listenerCount).fill(0);
  }

  get size(): number {
    return this.#byClientId.size;
  }

  get peerCount(): number {
    return this.#byPeer.size;
  }

  atPeer(key: string): Session | undefined {
    return this.#byPeer.get(key);
  }

  byClientId(clientId: string): Session | undefined {
    return this.#byClientId.get(clientId);
  }

  /** Connected clients on a listener (max_connections). */
  connections(listener: number): number {
    return this.#connections[listener] ?? 0;
  }

  /** Maps `session` under `peer`. The caller has already detached whatever sat there. */
  attach(session: Session, peer: SnPeer): void {
    if (session.attached) this.detach(session);
    session.peer = peer;
    this.#byPeer.set(peer.key, session);
    session.attached = true;
  }

  /** Removes the peer mapping only; the session stays findable by client id. */
  detach(session: Session): void {
    if (session.attached && this.#byPeer.get(session.peer.key) === session) this.#byPeer.delete(session.peer.key);
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
    if (!session.counted) {
      session.counted = true;
      this.#connections[session.peer.listener] = this.connections(session.peer.listener) + 1;
    }
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
    for (const session of this.#byPeer.values()) {
      if (session.clientId === undefined || this.#byClientId.get(session.clientId) !== session) yield session;
    }
  }

  #uncount(session: Session): void {
    if (!session.counted) return;
    session.counted = false;
    this.#connections[session.peer.listener] = Math.max(0, this.connections(session.peer.listener) - 1);
  }
}
