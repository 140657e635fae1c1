import type { Logger } from '../log.js';
import type { BindAddress } from './bind.js';

export interface UdpEndpointOptions {
  readonly bind: BindAddress;
  /** Where the endpoint reports a receive buffer the kernel capped (burst loss must not be silent). */
  readonly logger?: Logger | undefined;
  /** Listener name for that report (the listener's config key). */
  readonly name?: string | undefined;
  /** SO_RCVBUF in bytes; bursts of small datagrams need a large one. */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
}

export interface BufferShortfall {
  readonly requested: number;
  /** What the socket reports (Linux reports twice the usable size, capped at 2 x rmem_max). */
  readonly granted: number;
  readonly hint: string;
}

/**
 * How far the receive buffer a listener socket got (`granted`, as SO_RCVBUF reports it) falls
 * short of `options.recvBufferSize`; a shortfall is logged once, as a warning naming the sysctl
 * (burst loss must not be silent).
 */
export function reportBufferShortfall(options: UdpEndpointOptions, granted: number): BufferShortfall | undefined {
  const shortfall = bufferShortfall(options.recvBufferSize, granted);
  if (shortfall !== undefined) {
    options.logger?.warn(
      { listener: options.name, requested: shortfall.requested, granted: shortfall.granted, hint: shortfall.hint },
      'UDP receive buffer capped by the kernel below the configured recbuf: bursts of datagrams may be lost',
    );
  }
  return shortfall;
}

function bufferShortfall(requested: number | undefined, granted: number): BufferShortfall | undefined {
  if (requested === undefined) return undefined;
  // Linux stores (and reports) twice the value it accepted, which is capped at
  // net.core.rmem_max: a report below twice the request means it was capped.
  const reported = process.platform === 'linux' ? 2 * requested : requested;
  if (granted >= reported) return undefined;
  return { requested, granted, hint: `raise the kernel limit, e.g. sysctl -w net.core.rmem_max=${requested}` };
}
