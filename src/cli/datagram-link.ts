import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { DtlsClient } from '../transport/dtls/dtls-client.js';
import type { PskCredentials } from './psk-options.js';

/** The tools' one conversation with a gateway listener: plain UDP or DTLS. */
export interface DatagramLink {
  readonly localPort: number;
  /** Datagrams from the gateway (decrypted on DTLS). */
  onDatagram: (data: Buffer) => void;
  /** `sent` runs once the datagram has left the socket. */
  send(data: Buffer, sent?: () => void): void;
  close(): Promise<void>;
}

/** A plain UDP link; datagrams from anyone but the server are ignored. */
class UdpLink implements DatagramLink {
  onDatagram: (data: Buffer) => void = () => undefined;
  constructor(
    readonly socket: Socket,
    readonly host: string,
    readonly port: number,
  ) {
    socket.on('message', (buf, from) => {
      if (from.address === host && from.port === port) this.onDatagram(buf);
    });
    socket.on('error', () => undefined);
  }
  get localPort(): number {
    return this.socket.address().port;
  }
  send(data: Buffer, sent?: () => void): void {
    this.socket.send(data, this.port, this.host, () => sent?.());
  }
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

class DtlsLink implements DatagramLink {
  onDatagram: (data: Buffer) => void = () => undefined;
  constructor(readonly client: DtlsClient) {
    client.onDatagram = (data) => this.onDatagram(data);
  }
  get localPort(): number {
    return this.client.localPort;
  }
  send(data: Buffer, sent?: () => void): void {
    this.client.send(data, sent);
  }
  close(): Promise<void> {
    return this.client.close();
  }
}

/** `host` must be an IP address. With `psk`, the DTLS handshake is complete when this resolves. */
export async function openLink(host: string, port: number, psk: PskCredentials | undefined, handshakeTimeoutMs?: number): Promise<DatagramLink> {
  if (psk !== undefined) {
    return new DtlsLink(await DtlsClient.connect({ host, port, pskIdentity: psk.identity, pskKey: psk.key, handshakeTimeoutMs }));
  }
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return new UdpLink(socket, host, port);
}
