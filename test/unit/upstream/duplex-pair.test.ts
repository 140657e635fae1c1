import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createDuplexPair } from '../../../src/upstream/duplex-pair.js';

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
}

describe('createDuplexPair', () => {
  it('carries bytes both ways and ends the peer on end()', async () => {
    const { client, server } = createDuplexPair();
    const atServer = collect(server);
    const atClient = collect(client);
    client.write(Buffer.from('hello '));
    client.end(Buffer.from('broker'));
    server.end(Buffer.from('hi'));
    expect((await atServer).toString()).toBe('hello broker');
    expect((await atClient).toString()).toBe('hi');
  });

  it('applies back-pressure: a write completes only once the peer reads', async () => {
    const { client, server } = createDuplexPair();
    const big = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    const done = new Promise<void>((resolve) => {
      const writeMore = (): void => {
        while (written < 8) {
          written += 1;
          if (!client.write(big)) {
            client.once('drain', writeMore);
            return;
          }
        }
        resolve();
      };
      writeMore();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBeLessThan(8); // stuck: nobody reads
    let received = 0;
    server.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toBe(8 * big.length);
  });

  it('destroying one end closes the other (a reset connection)', async () => {
    const { client, server } = createDuplexPair();
    server.resume();
    const closed = once(server, 'close');
    client.destroy();
    await closed;
    expect(server.destroyed).toBe(true);
  });

  it('a write after the peer is gone fails instead of vanishing', async () => {
    const { client, server } = createDuplexPair();
    server.destroy();
    await once(client, 'close');
    const error = await new Promise<Error | null | undefined>((resolve) => {
      client.on('error', () => undefined);
      client.write(Buffer.from('x'), (err) => resolve(err));
    });
    expect(error).toBeInstanceOf(Error);
  });
});
