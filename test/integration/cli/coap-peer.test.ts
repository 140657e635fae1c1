import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { CoapOption, decodeMessage, encodeMessage, EMPTY } from '../../../src/lwm2m/coap/message.js';
import { CoapPeer } from '../../../src/cli/lwm2m/coap-peer.js';

/** The simulated device's CoAP side over real loopback sockets: only its server is answered. */

const sockets: Socket[] = [];
let peer: CoapPeer | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
  for (const s of sockets.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function udp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  sockets.push(socket);
  return socket;
}

function get(messageId: number): Buffer {
  return encodeMessage({
    type: 'CON',
    code: '0.01',
    messageId,
    token: Buffer.from([9]),
    options: [{ number: CoapOption.URI_PATH, value: Buffer.from('3') }],
    payload: EMPTY,
  });
}

describe('simulated device CoAP peer', () => {
  it('answers its server, piggy-backed, and the same answer to a duplicate; ignores every other sender', async () => {
    const server = await udp();
    const stranger = await udp();
    peer = await CoapPeer.open('127.0.0.1', server.address().port);
    const seen: number[] = [];
    peer.onRequest = (req) => {
      seen.push(req.messageId);
      return { code: '2.05', payload: Buffer.from(`answer ${seen.length}`) };
    };
    const answers: Buffer[] = [];
    server.on('message', (m) => answers.push(m));
    const strangerGot: Buffer[] = [];
    stranger.on('message', (m) => strangerGot.push(m));

    stranger.send(get(7), peer.localPort, '127.0.0.1');
    server.send(get(8), peer.localPort, '127.0.0.1');
    server.send(get(8), peer.localPort, '127.0.0.1');
    const start = Date.now();
    while (answers.length < 2 && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));

    expect(seen).toEqual([8]);
    expect(answers.map((a) => decodeMessage(a))).toEqual([
      expect.objectContaining({ type: 'ACK', code: '2.05', messageId: 8, payload: Buffer.from('answer 1') }),
      expect.objectContaining({ type: 'ACK', code: '2.05', messageId: 8, payload: Buffer.from('answer 1') }),
    ]);
    expect(strangerGot).toEqual([]);
  });
});
