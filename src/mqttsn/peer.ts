import { formatPeer } from '../log.js';

/**
 * Where a client is: the listener socket it talks to, its address and, behind
 * a forwarder (MQTT-SN v1.2 §5.5), its wireless node id. Every reply to a node
 * behind a forwarder is encapsulated with that node id.
 */
export interface SnPeer {
  readonly listener: number;
  readonly address: string;
  readonly port: number;
  readonly nodeId: Buffer | undefined;
  /** Map key: listener, address, port and node id. */
  readonly key: string;
}

export function snPeerKey(listener: number, address: string, port: number, nodeId: Buffer | undefined): string {
  const base = `${listener}|${address}|${port}`;
  return nodeId === undefined ? base : `${base}|${nodeId.toString('hex')}`;
}

export function makeSnPeer(listener: number, address: string, port: number, nodeId: Buffer | undefined): SnPeer {
  return { listener, address, port, nodeId, key: snPeerKey(listener, address, port, nodeId) };
}

/** `host:port` or `host:port#node` for logs. */
export function describePeer(peer: SnPeer): string {
  const base = formatPeer(peer.address, peer.port);
  return peer.nodeId === undefined ? base : `${base}#${peer.nodeId.toString('hex')}`;
}
