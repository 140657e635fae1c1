import { batchedUdpNative, batchedUdpUnavailableReason, BatchedUdpEndpoint } from './batched-udp.js';
import type { DatagramHandler, DatagramTransport } from './types.js';
import type { BufferShortfall, UdpEndpointOptions } from './udp-buffers.js';
import { UdpEndpoint } from './udp.js';

/** A listener's `io` setting. */
export type UdpIo = 'auto' | 'batched' | 'dgram';

/** A plain UDP socket of either implementation. */
export type UdpSocketEndpoint = DatagramTransport & { readonly bufferShortfall: BufferShortfall | undefined };

/**
 * Opens a listener socket: batched I/O (native/udp.c) for `batched`, and for `auto` where the
 * addon is built and supported; node:dgram otherwise. `batched` without the addon is an error
 * (the setting asked for it); `auto` falls back and says why at debug level.
 */
export async function openUdpEndpoint(options: UdpEndpointOptions, onDatagram: DatagramHandler, io: UdpIo = 'auto'): Promise<UdpSocketEndpoint> {
  if (io !== 'dgram') {
    const native = batchedUdpNative();
    if (native !== undefined) return BatchedUdpEndpoint.open(options, onDatagram, native);
    if (io === 'batched') throw new Error(`batched UDP I/O unavailable: ${batchedUdpUnavailableReason() ?? 'unknown reason'}`);
    options.logger?.debug({ listener: options.name, reason: batchedUdpUnavailableReason() }, 'batched UDP I/O unavailable, using node:dgram');
  }
  return UdpEndpoint.open(options, onDatagram);
}
