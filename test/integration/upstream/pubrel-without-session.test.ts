import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { testUpstreamConfig } from '../../helpers/upstream.js';
import { message, sessionOptions, uniqueId } from './upstream-test-kit.js';

/**
 * A broker that loses its sessions between connections, as mosquitto does for
 * clean sessions across a restart, and that delivers QoS 2 messages on PUBREL
 * (as mosquitto does). The connection that sends the first PUBREL is dropped
 * before PUBCOMP; later PUBRELs of an unknown id are answered PUBCOMP (as
 * mosquitto does) and deliver nothing.
 */
interface ForgetfulBroker {
  readonly port: number;
  /** Payloads released to subscribers (QoS 2: on PUBREL of a PUBLISH received on the same connection). */
  readonly delivered: string[];
  close(): Promise<void>;
}

async function startForgetfulBroker(): Promise<ForgetfulBroker> {
  const sockets = new Set<Socket>();
  const delivered: string[] = [];
  let droppedOnce = false;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const received = new Map<number, string>();
    let buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        // MQTT 3.1.1 §2.2: fixed header, remaining length (variable byte integer).
        let length = 0;
        let multiplier = 1;
        let offset = 1;
        let complete = false;
        while (offset < buffer.length && offset <= 4) {
          const byte = buffer[offset] ?? 0;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          offset += 1;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || buffer.length < offset + length) return;
        const header = buffer[0] ?? 0;
        const body = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        const type = header >> 4;
        if (type === 1)
          socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK, no session present
        else if (type === 12)
          socket.write(Buffer.from([0xd0, 0x00])); // PINGRESP
        else if (type === 3) {
          const qos = (header >> 1) & 3;
          const topicLength = body.readUInt16BE(0);
          const id = body.readUInt16BE(2 + topicLength);
          const payload = body.subarray(4 + topicLength).toString();
          if (qos === 2) {
            received.set(id, payload);
            socket.write(Buffer.from([0x50, 0x02, id >> 8, id & 0xff])); // PUBREC
          }
        } else if (type === 6) {
          const id = body.readUInt16BE(0);
          if (!droppedOnce) {
            droppedOnce = true;
            socket.destroy(); // gone before PUBCOMP, and with it the session
            return;
          }
          const payload = received.get(id);
          if (payload !== undefined) delivered.push(payload);
          received.delete(id);
          socket.write(Buffer.from([0x70, 0x02, id >> 8, id & 0xff])); // PUBCOMP, known id or not
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    delivered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a QoS 2 publish whose PUBREL was not completed when the broker lost the session', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.for([
    ['transparent', 'Memory'],
    ['transparent', 'File'],
    ['aggregating', 'Memory'],
  ] as const)('%s mode, %s store: it is published again on reconnect, and acknowledged only once delivered', async ([mode, type]) => {
    const broker = await startForgetfulBroker();
    cleanups.push(() => broker.close());
    const directoryPrefix = await mkdtemp(join(tmpdir(), 'gw-pubrel-'));
    cleanups.push(() => rm(directoryPrefix, { recursive: true, force: true }));
    const connector: UpstreamConnector = await createUpstreamConnector(
      testUpstreamConfig(
        { server: `mqtt://127.0.0.1:${broker.port}`, maxReconnectInterval: 1000, writeTimeout: 0, store: { type, directoryPrefix } },
        '',
        mode,
      ),
      silentLogger(),
    );
    cleanups.push(() => connector.close());
    const session = await connector.open(sessionOptions(uniqueId('q2')), { onMessage: () => undefined });
    // Resolving means: the device hears PUBREC, the broker has the message (docs/upstream.md).
    await session.publish(message('q2/t', 'released once', 2));
    expect(broker.delivered).toEqual(['released once']);
  });
});
