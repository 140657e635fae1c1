import { Duplex } from 'node:stream';

/**
 * One end of an in-process byte pipe. What is written to one end is read from
 * the other, with back-pressure: a write is acknowledged only once the peer's
 * readable buffer accepted it. Ending one end ends the peer's readable side;
 * destroying one end destroys the peer (like a reset TCP connection), so a
 * broker sees "connection lost" when the client side is torn down.
 */
class PipeEnd extends Duplex {
  #peer: PipeEnd | undefined;
  /** A write waiting for the peer to read (back-pressure). */
  #blockedWrite: (() => void) | undefined;

  link(peer: PipeEnd): void {
    this.#peer = peer;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    if (peer === undefined || peer.destroyed) {
      callback(new Error('duplex pair: peer closed'));
      return;
    }
    if (peer.push(chunk)) callback();
    else peer.#blockedWrite = callback;
  }

  override _read(): void {
    const release = this.#blockedWrite;
    if (release !== undefined) {
      this.#blockedWrite = undefined;
      release();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    if (peer !== undefined && !peer.destroyed) peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    this.#peer = undefined;
    const blockedPeerWrite = this.#blockedWrite;
    this.#blockedWrite = undefined;
    if (peer !== undefined && !peer.destroyed) {
      peer.#peer = undefined;
      // The peer sees the end of its input, then closes (a reset connection).
      peer.push(null);
      peer.destroy();
    }
    blockedPeerWrite?.();
    callback(error);
  }
}

/**
 * Node 20 has no `stream.duplexPair`: two linked Duplex streams, used to hand
 * the embedded broker a connection with no TCP round trip
 * (`broker.handle(server)`, MQTT.js stream builder returns `client`).
 */
export function createDuplexPair(): { client: Duplex; server: Duplex } {
  const client = new PipeEnd();
  const server = new PipeEnd();
  client.link(server);
  server.link(client);
  return { client, server };
}
