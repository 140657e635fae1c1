import type { BindAddress } from './bind.js';

/** How a peer proved who it is: a DTLS pre-shared key identity or the CN of a verified client certificate. */
export interface PeerSecurity {
  readonly mode: 'psk' | 'x509';
  /** PSK identity (RFC 4279 §2) or certificate subject CN. Never a secret. */
  readonly identity: string;
  /** Negotiated cipher suite (OpenSSL name), for logs. */
  readonly cipher?: string | undefined;
}

/** How a device authenticated, as reported in events: plain UDP is `none`. */
export type AuthMode = 'none' | PeerSecurity['mode'];

/** Datagram and byte counts of one listener socket. */
export interface TransportCounters {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** Application datagram from a peer (after DTLS decryption on a secured listener). */
export type DatagramHandler = (msg: Buffer, address: string, port: number) => void;

/**
 * One listening datagram socket as both gateways see it: plain UDP, DTLS
 * over UDP, or the in-memory transport of the tests. Sends are
 * fire-and-forget and never throw into protocol code.
 */
export interface DatagramTransport {
  readonly kind: 'udp' | 'dtls' | 'memory';
  /** Datagrams and bytes through the socket (plain fields, read by the metrics); undefined where not counted. */
  readonly counters?: TransportCounters | undefined;
  /** Bound address (port 0 resolved). */
  readonly address: BindAddress;
  readonly sendErrors: number;
  send(data: Buffer, port: number, address: string): void;
  /** The proven identity of the peer's current session; undefined on plain transports. */
  securityOf(address: string, port: number): PeerSecurity | undefined;
  setBroadcast(flag: boolean): void;
  close(): Promise<void>;
}
