import { createRequire } from 'node:module';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';
import { reportBufferShortfall, type BufferShortfall, type UdpEndpointOptions } from './udp-buffers.js';
import type { DatagramHandler, DatagramTransport, PeerSecurity, TransportCounters } from './types.js';

/** Opaque socket handle of the addon. */
interface NativeUdpSocket {
  readonly __brand: 'NativeUdpSocket';
}

/** The API of native/udp.c (see that file). */
interface UdpNative {
  readonly supported: boolean;
  readonly batch: number;
  readonly slot: number;
  readonly addressSlot: number;
  open(
    host: string,
    port: number,
    ipv6: boolean,
    recvBufferSize: number,
    sendBufferSize: number,
    recvArea: Buffer,
    recvMeta: Int32Array,
    recvAddresses: Buffer,
    onDatagram: (index: number) => void,
  ): NativeUdpSocket;
  address(socket: NativeUdpSocket): [host: string, port: number];
  bufferSizes(socket: NativeUdpSocket): [receive: number, send: number];
  send(socket: NativeUdpSocket, data: Buffer, port: number, host: string): number;
  /** Writes what is queued; returns how many datagrams the kernel refused since the last call. */
  flush(socket: NativeUdpSocket): number;
  setBroadcast(socket: NativeUdpSocket, flag: boolean): void;
  close(socket: NativeUdpSocket): void;
}

let loaded: UdpNative | null | undefined;
let loadError: string | undefined;

/**
 * The batched UDP addon (`build/Release/snlw_udp.node`, built by `npm ci` with the DTLS engine),
 * or undefined where it is not built or not supported (it needs Linux's recvmmsg / sendmmsg).
 */
export function batchedUdpNative(): UdpNative | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  const path = join(packageRoot(), 'build', 'Release', 'snlw_udp.node');
  try {
    const native = createRequire(import.meta.url)(path) as UdpNative;
    loaded = native.supported ? native : null;
    if (!native.supported) loadError = 'recvmmsg / sendmmsg are not available on this platform';
  } catch (err) {
    loaded = null;
    loadError = `${path} not built (${(err as Error).message.split('\n')[0]}): run "npm ci" or "npm run build:native"`;
  }
  return loaded ?? undefined;
}

/** Why {@link batchedUdpNative} is undefined. */
export function batchedUdpUnavailableReason(): string | undefined {
  batchedUdpNative();
  return loadError;
}

/**
 * A UDP listener socket that reads up to 64 datagrams per system call (recvmmsg) and writes
 * what the gateway sends in one turn of the event loop with one sendmmsg (native/udp.c). Each
 * datagram reaches the handler in its own callback (microtasks and nextTicks in between, as
 * with node:dgram) as its own exact-size Buffer, with the peer's address written as node:dgram
 * writes it, so the gateways cannot tell it from {@link UdpEndpoint}; only the number of system
 * calls per datagram differs.
 */
export class BatchedUdpEndpoint implements DatagramTransport {
  readonly kind = 'udp';
  readonly counters: TransportCounters;
  readonly #native: UdpNative;
  readonly #socket: NativeUdpSocket;
  #closed = false;
  #sendErrors = 0;
  #flushScheduled = false;
  #bufferShortfall: BufferShortfall | undefined;

  private constructor(native: UdpNative, socket: NativeUdpSocket, counters: TransportCounters) {
    this.#native = native;
    this.#socket = socket;
    this.counters = counters;
  }

  static async open(options: UdpEndpointOptions, onDatagram: DatagramHandler, native: UdpNative): Promise<BatchedUdpEndpoint> {
    const area = Buffer.allocUnsafeSlow(native.batch * native.slot);
    const meta = new Int32Array(native.batch * 3);
    const addresses = Buffer.allocUnsafeSlow(native.batch * native.addressSlot);
    const slot = native.slot;
    const addressSlot = native.addressSlot;
    const counters: TransportCounters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0 };
    const onDatagramAt = (i: number): void => {
      const length = meta[i * 3] ?? 0;
      const port = meta[i * 3 + 1] ?? 0;
      const addressStart = i * addressSlot;
      const address = addresses.toString('latin1', addressStart, addressStart + (meta[i * 3 + 2] ?? 0));
      // The area is reused by the next read: every datagram gets its own exact-size copy,
      // which protocol code may keep (sleeping-client buffers, retransmissions).
      const msg = Buffer.allocUnsafeSlow(length);
      area.copy(msg, 0, i * slot, i * slot + length);
      counters.datagramsIn += 1;
      counters.bytesIn += length;
      onDatagram(msg, address, port);
    };
    const recv = typeof options.recvBufferSize === 'number' ? Math.min(options.recvBufferSize, 0x7fffffff) : 0;
    const send = typeof options.sendBufferSize === 'number' ? Math.min(options.sendBufferSize, 0x7fffffff) : 0;
    // A host name binds where it resolves, as node:dgram does (an IPv4 socket for a name).
    const host = isIP(options.bind.host) === 0 ? (await lookup(options.bind.host, { family: 4 })).address : options.bind.host;
    const socket = native.open(host, options.bind.port, isIPv6(host), recv, send, area, meta, addresses, onDatagramAt);
    const endpoint = new BatchedUdpEndpoint(native, socket, counters);
    endpoint.#bufferShortfall = reportBufferShortfall(options, native.bufferSizes(socket)[0]);
    return endpoint;
  }

  /** See {@link UdpEndpoint.bufferShortfall}. */
  get bufferShortfall(): BufferShortfall | undefined {
    return this.#bufferShortfall;
  }

  get address(): { host: string; port: number } {
    const [host, port] = this.#native.address(this.#socket);
    return { host, port };
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  setBroadcast(flag: boolean): void {
    this.#native.setBroadcast(this.#socket, flag);
  }

  /** Writes what was queued during this tick (one sendmmsg for all of it). */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed) return;
    this.#sendErrors += this.#native.flush(this.#socket);
  };

  send(data: Buffer, port: number, address: string): void {
    if (this.#closed) return;
    this.counters.datagramsOut += 1;
    this.counters.bytesOut += data.length;
    if (this.#native.send(this.#socket, data, port, address) < 0) {
      this.#sendErrors += 1;
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Plain UDP proves nothing about a peer. */
  securityOf(_address: string, _port: number): PeerSecurity | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close(this.#socket);
  }
}
