import { isIPv6 } from 'node:net';

/** Where a datagram came from or goes to. */
export interface Peer {
  readonly address: string;
  readonly port: number;
}

/** Stable map key for a peer: `address|port`. */
export function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a listener `bind` value: `1884`, `0.0.0.0:1884`, `[::]:1884`, `:::1884`.
 * Returns undefined when the value is not a valid bind address.
 */
export function parseBind(value: string | number): BindAddress | undefined {
  const text = String(value).trim();
  const portOf = (s: string): number | undefined => {
    if (!/^\d{1,5}$/.test(s)) return undefined;
    const n = Number(s);
    return n <= 65535 ? n : undefined;
  };
  const bare = portOf(text);
  if (bare !== undefined) return { host: '0.0.0.0', port: bare };
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracket) {
    const port = portOf(bracket[2] ?? '');
    return port !== undefined && isIPv6(bracket[1] ?? '') ? { host: bracket[1], port } : undefined;
  }
  const idx = text.lastIndexOf(':');
  if (idx <= 0) return undefined;
  const host = text.slice(0, idx);
  const port = portOf(text.slice(idx + 1));
  if (port === undefined) return undefined;
  if (host.includes(':') && !isIPv6(host)) return undefined;
  return { host, port };
}
