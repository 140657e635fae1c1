import { peerKey, type Peer } from '../../transport/bind.js';
import type { Registration } from './registration.js';

/**
 * In-memory registrations, by endpoint name and by peer address. Expiry is
 * found by one periodic sweep over all registrations (no timer per device).
 */
export class RegistrationStore {
  readonly #byEndpoint = new Map<string, Registration>();
  readonly #byPeer = new Map<string, Registration>();

  get size(): number {
    return this.#byEndpoint.size;
  }

  get(endpoint: string): Registration | undefined {
    return this.#byEndpoint.get(endpoint);
  }

  byPeer(peer: Peer): Registration | undefined {
    return this.#byPeer.get(peerKey(peer.address, peer.port));
  }

  add(reg: Registration): void {
    this.#byEndpoint.set(reg.endpoint, reg);
    this.#byPeer.set(peerKey(reg.peer.address, reg.peer.port), reg);
  }

  /** NAT rebinding: the device's address follows its latest Update / Register. */
  movePeer(reg: Registration, peer: Peer): void {
    const oldKey = peerKey(reg.peer.address, reg.peer.port);
    if (this.#byPeer.get(oldKey) === reg) this.#byPeer.delete(oldKey);
    reg.peer = peer;
    this.#byPeer.set(peerKey(peer.address, peer.port), reg);
  }

  remove(reg: Registration): void {
    if (this.#byEndpoint.get(reg.endpoint) === reg) this.#byEndpoint.delete(reg.endpoint);
    const key = peerKey(reg.peer.address, reg.peer.port);
    if (this.#byPeer.get(key) === reg) this.#byPeer.delete(key);
  }

  /** Registrations whose expiresAt has passed, removed from the store. */
  takeExpired(now: number): Registration[] {
    const out: Registration[] = [];
    for (const reg of this.#byEndpoint.values()) if (reg.expiresAt <= now) out.push(reg);
    for (const reg of out) this.remove(reg);
    return out;
  }

  values(): IterableIterator<Registration> {
    return this.#byEndpoint.values();
  }
}
