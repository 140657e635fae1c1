import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../../src/upstream/coalesced-writes.js';

/** A connected TCP pair on loopback: `server` is the side the broker would write on. */
async function socketPair(): Promise<{ server: Socket; client: Socket; listener: Server }> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const client = createConnection(address.port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { server: await accepted, client, listener };
}

/** Writes the way aedes delivers to a subscriber: one setImmediate per message, each corked by mqtt-packet until the next tick. */
function writeLikeAedes(socket: Socket, messages: readonly string[]): void {
  for (const message of messages) {
    setImmediate(() => {
      socket.cork();
      socket.write(message);
      process.nextTick(() => socket.uncork());
    });
  }
}

/** Counts how many times the stream hands data to the operating system (one system call each). */
function countFlushes(socket: Socket): () => number {
  let flushes = 0;
  const writable = socket as unknown as { _writev: (...args: unknown[]) => void; _write: (...args: unknown[]) => void };
  const writev = writable._writev.bind(socket);
  const write = writable._write.bind(socket);
  writable._writev = (...args) => {
    flushes += 1;
    writev(...args);
  };
  writable._write = (...args) => {
    flushes += 1;
    write(...args);
  };
  return () => flushes;
}

async function readAll(client: Socket, bytes: number): Promise<string> {
  let text = '';
  return new Promise((resolve) =>
    client.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.length >= bytes) resolve(text);
    }),
  );
}

describe('coalesceWrites', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it.each([
    [true, 'in one or two flushes'],
    [false, 'in one flush per message without it'],
  ])('coalesce %s: 100 deliveries queued in one turn leave %s, complete and in order', async (coalesce) => {
    const { server, client, listener } = await socketPair();
    cleanup.push(() => {
      client.destroy();
      server.destroy();
      listener.close();
    });
    const flushes = countFlushes(server);
    if (coalesce) coalesceWrites(server);
    const messages = Array.from({ length: 100 }, (_, i) => `<${i}>`);
    const expected = messages.join('');
    const received = readAll(client, expected.length);
    writeLikeAedes(server, messages);
    expect(await received).toBe(expected);
    if (coalesce) expect(flushes()).toBeLessThanOrEqual(2);
    else expect(flushes()).toBe(100);
  });

  it('keeps backpressure: write() reports a full buffer and drain follows the flush', async () => {
    const { server, client, listener } = await socketPair();
    cleanup.push(() => {
      client.destroy();
      server.destroy();
      listener.close();
    });
    coalesceWrites(server);
    const big = 'x'.repeat(64 * 1024);
    expect(server.write(big)).toBe(false); // over the 16 KiB high-water mark while corked
    const drained = new Promise<void>((resolve) => server.once('drain', () => resolve()));
    const received = readAll(client, big.length);
    await drained;
    expect((await received).length).toBe(big.length);
  });
});
