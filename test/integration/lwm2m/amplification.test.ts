import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, type CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { uint } from '../../helpers/lwm2m-device.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { loadBootstrapConfigFile } from '../../../src/lwm2m/bootstrap/bootstrap-config-file.js';
import { InMemoryProvisionedCredentials } from '../../../src/lwm2m/bootstrap/credential-sink.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';
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

/** Sends each request, then a CoAP ping; everything arriving before the ping's RST answers the request. */
async function measure(socket: Socket, server: { host: string; port: number }, requests: readonly [string, Buffer][]): Promise<[string, number][]> {
  const ratios: [string, number][] = [];
  for (const [name, datagram] of requests) {
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
    socket.send(datagram, server.port, server.host);
    socket.send(Buffer.from([0x40, 0x00, 0xff, 0xfe]), server.port, server.host);
    await done;
    ratios.push([name, answered.reduce((n, b) => n + b.length, 0) / datagram.length]);
  }
  return ratios;
}

function report(what: string, ratios: [string, number][]): void {
  const worst = ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(`${what}: worst amplification ratio over ${ratios.length} hostile requests: ${worst[1].toFixed(2)} (${worst[0]})`);
  for (const [name, ratio] of ratios) expect({ name, ratio: ratio <= 3 }).toEqual({ name, ratio: true });
}

/** Hostile requests to the bootstrap server from a peer it does not know. */
const HOSTILE_BOOTSTRAP: readonly [string, Buffer][] = [
  ['GET /', request('0.01')],
  ['PUT /bs', request('0.03', path('bs'))],
  ['POST /bs without ep', request('0.02', path('bs'))],
  ['POST /bs?ep=x (unknown endpoint)', request('0.02', [...path('bs'), ...query('ep=x')])],
  ['POST /bs?ep=# ', request('0.02', [...path('bs'), ...query('ep=#')])],
  ['DELETE /', request('0.04')],
  ['critical option 9', request('0.02', [...path('bs'), { number: 9, value: Buffer.alloc(0) }])],
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
    const ratios = await measure(socket, h.server, HOSTILE);
    report('LwM2M server', ratios);
    expect(h.gateway.store.size).toBe(0);
  });
});

describe('amplification: the bootstrap server answers unverified peers within 3x too', () => {
  let dir: string;
  let gateway: Lwm2mGateway;
  let upstream: TestUpstream;
  let socket: Socket;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'amplification-bs-'));
    const file = join(dir, 'bootstrap.json');
    await writeFile(file, JSON.stringify({ endpoints: { 'known-device': { server_uri: 'coap://127.0.0.1:5683', security_mode: 'nosec' } } }));
    const config = resolveConfig({
      lwm2m: {
        listeners: { udp: { default: { bind: '127.0.0.1:0' } } },
        bootstrap: { config_file: file, listeners: { udp: { default: { bind: '127.0.0.1:0' } } } },
      },
    }).lwm2m;
    upstream = await startTestUpstream();
    const entries = await loadBootstrapConfigFile(file);
    gateway = await Lwm2mGateway.start({
      config,
      upstream: upstream.connector,
      models: createModelRegistry([]),
      logger: silentLogger(),
      bootstrap: { entries, credentials: new InMemoryProvisionedCredentials() },
    });
    socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await gateway.close();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('no hostile Bootstrap-Request gets more than 3x its size back', async () => {
    const server = { host: '127.0.0.1', port: gateway.bootstrap?.addresses[0]?.port ?? 0 };
    report('bootstrap server', await measure(socket, server, HOSTILE_BOOTSTRAP));
  });
});
