import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { BindAddress } from './bind.js';
import { reportBufferShortfall, type BufferShortfall, type UdpEndpointOptions } from './udp-buffers.js';
import type { DatagramHandler, DatagramTransport, PeerSecurity, TransportCounters } from './types.js';

export type UdpCounters = TransportCounters;
export type { BufferShortfall, UdpEndpointOptions };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * node:dgram resolves the address of every send through its `lookup`, and
 * dns.lookup answers even an IP literal on the next tick (a closure and a
 * tick per datagram). Peers are always IP literals (they come from rinfo),
 * so they are answered synchronously; names still go to dns.lookup.
 */
function literalLookup(address: string, family: unknown, callback: LookupCallback): void {
  const version = isIP(address);
  if (version !== 0) {
    callback(null, address, version);
    return;
  }
  dnsLookup(address, typeof family === 'number' ? family : 0, callback);
}

/**
 * One bound UDP socket. The receive path is a plain synchronous callback
 * (no promise or iterator per datagram); sends are fire-and-forget and never
 * throw into protocol code. dgram-as-promised is used for the lifecycle
 * (bind/close), the raw socket for the per-datagram path.
 */
export class UdpEndpoint implements DatagramTransport {
  readonly kind = 'udp';
  readonly #socket: SocketAsPromised;
  #closed = false;
  #sendErrors = 0;
  /** Datagrams and bytes through this socket; plain fields, read by the metrics at scrape time. */
  readonly counters: UdpCounters;

  private constructor(socket: SocketAsPromised, counters: UdpCounters) {
    this.#socket = socket;
    this.counters = counters;
  }

  static async open(options: UdpEndpointOptions, onDatagram: DatagramHandler): Promise<UdpEndpoint> {
    const type = isIPv6(options.bind.host) ? 'udp6' : 'udp4';
    const counters: UdpCounters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0 };
    const socket = DgramAsPromised.createSocket({ type, reuseAddr: false, lookup: literalLookup }, (msg, rinfo) => {
      counters.datagramsIn += 1;
      counters.bytesIn += msg.length;
      onDatagram(msg, rinfo.address, rinfo.port);
    });
    // A socket error after bind (e.g. ICMP-driven on some platforms) must not crash the process.
    socket.socket.on('error', () => undefined);
    await socket.bind(options.bind.port, options.bind.host);
    const endpoint = new UdpEndpoint(socket, counters);
    endpoint.#tuneBuffers(options);
    return endpoint;
  }

  #tuneBuffers(options: UdpEndpointOptions): void {
    try {
      if (options.recvBufferSize !== undefined) this.#socket.setRecvBufferSize(options.recvBufferSize);
      if (options.sendBufferSize !== undefined) this.#socket.setSendBufferSize(options.sendBufferSize);
    } catch {
      // Refused outright: the socket keeps the system default and still works.
    }
    let granted: number | undefined;
    try {
      granted = this.#socket.getRecvBufferSize();
    } catch {
      granted = undefined;
    }
    this.#bufferShortfall = granted === undefined ? undefined : reportBufferShortfall(options, granted);
  }

  #bufferShortfall: BufferShortfall | undefined;

  /**
   * Set when the kernel granted less receive buffer than configured (Linux
   * caps SO_RCVBUF at net.core.rmem_max): bursts then overflow the socket and
   * datagrams are lost before the gateway sees them. Logged at open when a
   * logger is given.
   */
  get bufferShortfall(): BufferShortfall | undefined {
    return this.#bufferShortfall;
  }

  get address(): BindAddress {
    const info = this.#socket.address();
    return { host: info.address, port: info.port };
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  /** The raw node:dgram socket, for libraries that take one (node-coap). */
  get rawSocket(): import('node:dgram').Socket {
    return this.#socket.socket;
  }

  setBroadcast(flag: boolean): void {
    this.#socket.setBroadcast(flag);
  }

  /** One callback for every send: no closure per datagram. */
  readonly #afterSend = (err: Error | null): void => {
    if (err) this.#sendErrors += 1;
  };

  send(data: Buffer, port: number, address: string): void {
    if (this.#closed) return;
    this.counters.datagramsOut += 1;
    this.counters.bytesOut += data.length;
    this.#socket.socket.send(data, port, address, this.#afterSend);
  }

  /** Plain UDP proves nothing about a peer. */
  securityOf(_address: string, _port: number): PeerSecurity | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#socket.close();
  }
}
