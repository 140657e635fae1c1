import { peerKey, type BindAddress } from './bind.js';
import type { ListenerSpec, OpenTransport } from './listeners.js';
import type { DatagramHandler, DatagramTransport, PeerSecurity } from './types.js';

/**
 * An in-process datagram network for tests: transports bound on it exchange
 * datagrams by address and port, delivered on a later macrotask as UDP
 * would (never inside the sender's call). Datagrams to an address nobody
 * bound are counted and dropped. A transport can be told that a peer proved
 * an identity, standing in for a DTLS session.
 */
export class MemoryNetwork {
  readonly #bound = new Map<string, MemoryTransport>();
  #nextPort = 40_000;
  /** Datagrams sent to an address nobody bound. */
  undeliverable = 0;

  /** Binds a transport (port 0: the next free port). */
  bind(bind: BindAddress, onDatagram: DatagramHandler, kind: DatagramTransport['kind'] = 'memory'): MemoryTransport {
    const host = bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host;
    let port = bind.port;
    if (port === 0) {
      while (this.#bound.has(peerKey(host, this.#nextPort))) this.#nextPort += 1;
      port = this.#nextPort++;
    }
    const key = peerKey(host, port);
    if (this.#bound.has(key)) throw Object.assign(new Error(`address in use: ${host}:${port}`), { code: 'EADDRINUSE' });
    const transport = new MemoryTransport(this, { host, port }, onDatagram, kind);
    this.#bound.set(key, transport);
    return transport;
  }

  /** An OpenTransport for the gateways: every listener is bound on this network. */
  opener(): OpenTransport {
    return async (spec: ListenerSpec, onDatagram: DatagramHandler) => this.bind(spec.bind, onDatagram, spec.kind === 'dtls' ? 'dtls' : 'memory');
  }

  /** @internal */
  deliver(from: BindAddress, toHost: string, toPort: number, data: Buffer): void {
    const target = this.#bound.get(peerKey(toHost, toPort));
    if (target === undefined) {
      this.undeliverable += 1;
      return;
    }
    const copy = Buffer.from(data);
    setImmediate(() => target.receive(copy, from.host, from.port));
  }

  /** @internal */
  unbind(transport: MemoryTransport): void {
    const key = peerKey(transport.address.host, transport.address.port);
    if (this.#bound.get(key) === transport) this.#bound.delete(key);
  }
}

export class MemoryTransport implements DatagramTransport {
  readonly kind: DatagramTransport['kind'];
  readonly address: BindAddress;
  readonly sendErrors = 0;
  readonly #network: MemoryNetwork;
  readonly #onDatagram: DatagramHandler;
  readonly #security = new Map<string, PeerSecurity>();
  #closed = false;

  constructor(network: MemoryNetwork, address: BindAddress, onDatagram: DatagramHandler, kind: DatagramTransport['kind']) {
    this.#network = network;
    this.address = address;
    this.#onDatagram = onDatagram;
    this.kind = kind;
  }

  send(data: Buffer, port: number, address: string): void {
    if (!this.#closed) this.#network.deliver(this.address, address, port, data);
  }

  /** Declares what the peer at address:port proved (as a DTLS handshake would); undefined forgets it. */
  setSecurity(address: string, port: number, security: PeerSecurity | undefined): void {
    if (security === undefined) this.#security.delete(peerKey(address, port));
    else this.#security.set(peerKey(address, port), security);
  }

  securityOf(address: string, port: number): PeerSecurity | undefined {
    return this.#security.get(peerKey(address, port));
  }

  setBroadcast(_flag: boolean): void {
    // Nothing to switch on in memory.
  }

  /** @internal */
  receive(data: Buffer, host: string, port: number): void {
    if (!this.#closed) this.#onDatagram(data, host, port);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#network.unbind(this);
  }
}
