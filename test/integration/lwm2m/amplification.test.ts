import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, type CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { uint } from '../../helpers/lwm2m-device.js';
import { startHarness, type Harness } from './harness.js';

type Opt = { number: number; value: Buffer };
const path = (...segments: string[]): Opt[] => segments.map((s) => ({ number: 11, value: Buffer.from(s) }));
const query = (...q: string[]): Opt[] => q.map((s) => ({ number: 15, value: Buffer.from(s) }));

function request(code: string, options: Opt[] = [], payload = '', type: CoapMessage['type'] = 'CON', token = Buffer.alloc(0)): Buffer {
  return encodeMessage({ type, code, messageId: 0x0101, token, options: options.sort((a, b) => a.number - b.number), payload: Buffer.from(payload) });
}

/** Hostile requests from a peer that never registered (RFC 7252 §11.3: answers at most 3x the request). */
const HOSTILE: readonly [string, Buffer][] = [
  ['DELETE /', request('0.04')],
  ['DELETE /rd', request('0.04', path('rd'))],
  ['DELETE /rd/nobody', request('0.04', path('rd', 'nobody'))],
  ['POST /rd without query', request('0.02', path('rd'))],
  ['POST /rd without query, 8-byte token', request('0.02', path('rd'), '', 'CON', Buffer.alloc(8, 1))],
  ['POST /rd, bad lwm2m version', request('0.02', [...path('rd'), ...query('ep=a', 'lwm2m=9')])],
  ['POST /rd, wildcard ep', request('0.02', [...path('rd'), ...query('ep=#', 'lwm2m=1.0')], '</1/0>')],
  ['POST /rd, broken links', request('0.02', [...path('rd'), ...query('ep=z', 'lwm2m=1.0')], '<')],
  ['POST /rd/unknown (Update)', request('0.02', path('rd', 'unknown'))],
  ['POST /', request('0.02')],
  ['POST /dp (Send) unregistered', request('0.02', [...path('dp'), { number: 12, value: uint(110) }], '[{"n":"/3/0/9","v":1}]')],
  ['GET /dp', request('0.01', path('dp'))],
  ['GET /', request('0.01')],
  ['GET /rd', request('0.01', path('rd'))],
  ['GET /.well-known/core', request('0.01', path('.well-known', 'core'))],
  ['PUT /x', request('0.03', path('x'))],
  ['FETCH /', request('0.05')],
  ['unknown method 0.31', request('0.31')],
  ['unrecognised critical option 9', request('0.02', [...path('rd'), { number: 9, value: Buffer.alloc(0) }])],
  ['Block1 stray block', request('0.02', [...path('rd'), { number: 27, value: uint(0x38) }], 'x')],
  ['Block1 SZX 7', request('0.02', [...path('rd'), { number: 27, value: uint(0x0f) }], 'x')],
  ['Size1 too large', request('0.02', [...path('rd'), { number: 27, value: uint(0x0e) }, { number: 60, value: uint(1 << 24) }], 'x'.repeat(1024))],
  ['CoAP ping', Buffer.from([0x40, 0x00, 0x01, 0x01])],
  ['Empty CON with token', Buffer.from([0x41, 0x00, 0x01, 0x01, 0x01])],
  ['malformed option', Buffer.from([0x40, 0x02, 0x01, 0x01, 0xf1])],
  ['CON response nobody waits for', request('2.05', [], 'x', 'CON', Buffer.alloc(4, 9))],
  ['NON request POST /rd without query', request('0.02', path('rd'), '', 'NON')],
  ['NON GET /', request('0.01', [], '', 'NON')],
];

describe('amplification: answers to unverified peers (RFC 7252 §11.3)', () => {
  let h: Harness;
  let socket: Socket;
  beforeAll(async () => {
    h = await startHarness();
    socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await h.close();
  });

  it('no hostile request gets more than 3x its size back; the worst ratio is reported', async () => {
    const ratios: [string, number][] = [];
    for (const [name, datagram] of HOSTILE) {
      // Each request is followed by a CoAP ping; everything that arrives before the ping's RST answers the request.
      const answered: Buffer[] = [];
      const done = new Promise<void>((resolve) => {
        const onMessage = (msg: Buffer): void => {
          if (msg.length === 4 && msg[0] === 0x70 && msg.readUInt16BE(2) === 0xfffe) {
            socket.off('message', onMessage);
            resolve();
          } else {
            answered.push(msg);
          }
        };
        socket.on('message', onMessage);
      });
      socket.send(datagram, h.server.port, h.server.host);
      socket.send(Buffer.from([0x40, 0x00, 0xff, 0xfe]), h.server.port, h.server.host);
      await done;
      const bytes = answered.reduce((n, b) => n + b.length, 0);
      ratios.push([name, bytes / datagram.length]);
    }
    const worst = ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`worst amplification ratio over ${ratios.length} hostile requests: ${worst[1].toFixed(2)} (${worst[0]})`);
    for (const [name, ratio] of ratios) expect({ name, ratio: ratio <= 3 }).toEqual({ name, ratio: true });
    expect(h.gateway.store.size).toBe(0);
  });
});
