import type { Socket } from 'node:net';

type Write = (...args: unknown[]) => boolean;

/**
 * Makes the writes to one broker connection within one turn of the event loop leave in one
 * system call. aedes delivers every message to a subscriber in its own setImmediate callback,
 * and mqtt-packet uncorks the socket at the end of each: without this, a subscriber on the
 * embedded broker costs one writev (and, on loopback, one wake-up of the subscriber) per
 * message. The socket is corked at the first write of a turn and uncorked by a setImmediate,
 * which runs after the delivery callbacks already queued; backpressure is unchanged (write()
 * still returns false past the high-water mark, and 'drain' follows the flush).
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as Write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  (socket as unknown as { write: Write }).write = (...args: unknown[]): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  };
}
