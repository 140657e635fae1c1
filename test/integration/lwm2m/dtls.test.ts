import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { dtls as dtlsClient } from 'node-dtls-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { PskStore } from '../../../src/security/psk-store.js';
import { DtlsEndpoint } from '../../../src/transport/dtls/dtls-endpoint.js';
import { coapClient, hasCoapClient, registerArgs } from '../../helpers/coap-client.js';
import { clientHello, helloVerifyCookie } from '../../helpers/dtls-hello.js';
import { makeDtlsCertificates, type DtlsTestCertificates } from '../../helpers/dtls-certificates.js';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { hasOpenssl, missingTool } from '../upstream/test-certificates.js';

/** Overwrites bytes from `from` on with pseudo-random values (deterministic per call order). */
let fillSeed = 12345;
function randomFill(buf: Buffer, from: number): void {
  for (let i = from; i < buf.length; i += 1) {
    fillSeed = (fillSeed * 1103515245 + 12345) & 0x7fffffff;
    buf[i] = fillSeed & 0xff;
  }
}

const PSK_FILE = [
  'psk-dev:first-secret',
  'hex-dev:0x000102030405060708090a0b0c0d0e0f',
  'mapped-id:0x0f0e0d0c0b0a09080706050403020100:mapped-ep',
  'other-dev:other-secret',
  '',
].join('\n');

describe('LwM2M over DTLS: libcoap clients register with PSK and certificates', () => {
  let upstream: TestUpstream;
  let gateway: Lwm2mGateway;
  let credentials: PskStore;
  let certs: DtlsTestCertificates | undefined;
  let dir: string;
  let mqtt: MqttClient;
  let plainPort: number;
  let dtlsPort: number;
  let dtls: DtlsEndpoint;
  const tools = { openssl: false, gnutls: false, opensslCli: false };

  beforeAll(async () => {
    tools.openssl = await hasCoapClient('coap-client-openssl');
    tools.gnutls = await hasCoapClient('coap-client-gnutls');
    tools.opensslCli = await hasOpenssl();
    if (!tools.openssl || !tools.gnutls) missingTool('coap-client-openssl / coap-client-gnutls (Debian libcoap3-bin)');
    if (!tools.opensslCli) missingTool('openssl');
    dir = await mkdtemp(join(tmpdir(), 'gw-dtls-'));
    await writeFile(join(dir, 'psk.txt'), PSK_FILE);
    credentials = new PskStore();
    expect((await credentials.load(join(dir, 'psk.txt'), ':')).problems).toEqual([]);
    if (tools.opensslCli) certs = await makeDtlsCertificates(['cert-dev', 'cert-other']);
    upstream = await startTestUpstream();
    const config = resolveConfig({
      lwm2m: {
        listeners: {
          udp: { default: { bind: '127.0.0.1:0' } },
          dtls: {
            default: {
              bind: '127.0.0.1:0',
              dtls_options: {
                handshake_timeout: '2s',
                ...(certs === undefined
                  ? {}
                  : { certfile: certs.serverCertFile, keyfile: certs.serverKeyFile, cacertfile: certs.caFile, verify: 'verify_peer' }),
              },
            },
          },
        },
      },
    }).lwm2m;
    gateway = await Lwm2mGateway.start({ config, upstream: upstream.connector, models: createModelRegistry([]), logger: silentLogger(), credentials });
    plainPort = gateway.addresses[0]?.port ?? 0;
    dtlsPort = gateway.addresses[1]?.port ?? 0;
    dtls = gateway.transports[1] as DtlsEndpoint;
    mqtt = await connectAsync(upstream.url, { clientId: `dtls-watch-${process.pid}` });
  });

  afterAll(async () => {
    await mqtt?.endAsync();
    await gateway?.close();
    await upstream?.close();
    await certs?.remove();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const registered = (ep: string) => gateway.store.get(ep);

  it.for(['coap-client-openssl', 'coap-client-gnutls'] as const)(
    '%s registers over DTLS PSK; the register event says psk and the identity, never the key',
    async (build, ctx) => {
      // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
      if (!tools.openssl || !tools.gnutls) return ctx.skip();
      const ep = 'psk-dev';
      const topic = `lwm2m/${ep}/response`;
      await mqtt.subscribeAsync(topic, { qos: 1 });
      const event = new Promise<string>((resolve) => mqtt.once('message', (_t, payload) => resolve(payload.toString())));
      await coapClient(build, registerArgs(dtlsPort, ep, { identity: 'psk-dev', key: 'first-secret' }));
      const text = await event;
      const data = (JSON.parse(text) as { data: Record<string, unknown> }).data;
      expect(data).toMatchObject({ ep, auth: 'psk', identity: 'psk-dev' });
      expect(text).not.toContain('first-secret');
      await mqtt.unsubscribeAsync(topic);
      gateway.store.remove(registered(ep) as NonNullable<ReturnType<typeof registered>>);
    },
  );

  it('negotiates TLS_PSK_WITH_AES_128_CCM_8 (LwM2M mandatory) and also serves TLS_PSK_WITH_AES_128_CBC_SHA256', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl) return ctx.skip();
    const before = dtls.stats.handshakesCompleted;
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'psk-dev', { identity: 'psk-dev', key: 'first-secret' }));
    expect(dtls.stats.handshakesCompleted).toBe(before + 1);
    expect(dtls.lastCipher).toBe('PSK-AES128-CCM8');
    // A listener that offers only the CBC suite: the same client completes with it.
    const cbc = await DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'cbc',
        logger: silentLogger(),
        maxConnections: 10,
        maxHandshakes: 10,
        handshakeTimeoutMs: 2000,
        handshakeRatePerSource: 0,
        credentials: { ciphers: 'PSK-AES128-CBC-SHA256', verifyPeer: false, failIfNoPeerCert: false, pskLookup: (id) => credentials.keyFor(id) },
      },
      () => undefined,
    );
    try {
      await coapClient('coap-client-openssl', [...registerArgs(cbc.address.port, 'psk-dev', { identity: 'psk-dev', key: 'first-secret' })], 2);
      expect(cbc.lastCipher).toBe('PSK-AES128-CBC-SHA256');
    } finally {
      await cbc.close();
    }
  });

  it('a 0x... secret is hex bytes', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.gnutls) return ctx.skip();
    // libcoap 4.3.1 passes -k as text: the key bytes 00..0f are not typable, so the store entry is
    // checked directly and the handshake uses a text key added at run time the same way.
    expect(credentials.keyFor('hex-dev')).toEqual(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
  });

  it('refuses a wrong key, an unknown identity and an identity bound to another endpoint; nothing registers', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl || !tools.gnutls) return ctx.skip();
    const earlier = registered('psk-dev');
    if (earlier !== undefined) gateway.store.remove(earlier);
    const failedBefore = dtls.stats.handshakesFailed + dtls.stats.handshakeTimeouts;
    // Wrong key: the Finished MAC does not verify; DTLS drops it silently and the handshake times out or fails.
    await coapClient('coap-client-gnutls', registerArgs(dtlsPort, 'psk-dev', { identity: 'psk-dev', key: 'wrong-secret' }), 2);
    // Unknown identity: fatal alert unknown_psk_identity.
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'ghost', { identity: 'ghost', key: 'whatever' }), 2);
    await vi.waitFor(() => expect(dtls.stats.handshakesFailed + dtls.stats.handshakeTimeouts).toBeGreaterThanOrEqual(failedBefore + 2), { timeout: 5000 });
    expect(registered('psk-dev')).toBeUndefined();
    expect(registered('ghost')).toBeUndefined();
    // A good key used for someone else's endpoint: the session is up, the Register gets 4.03.
    const result = await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'other-dev', { identity: 'psk-dev', key: 'first-secret' }));
    expect(`${result.stdout}${result.stderr}`).toContain('4.03');
    expect(registered('other-dev')).toBeUndefined();
  });

  it('an identity mapped to another name registers as that name only', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl) return ctx.skip();
    credentials.add('runtime-id', Buffer.from('runtime-secret'), 'mapped-runtime');
    const refused = await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'runtime-id', { identity: 'runtime-id', key: 'runtime-secret' }));
    expect(`${refused.stdout}${refused.stderr}`).toContain('4.03');
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'mapped-runtime', { identity: 'runtime-id', key: 'runtime-secret' }));
    await vi.waitFor(() => expect(registered('mapped-runtime')?.auth).toEqual({ auth: 'psk', identity: 'runtime-id' }));
  });

  it('a secured endpoint cannot register over plain UDP (4.03); an unsecured one still can', async () => {
    const device = await Lwm2mTestDevice.open({ host: '127.0.0.1', port: plainPort });
    try {
      const refused = await device.register('other-dev', { lt: 60 });
      expect(refused.code).toBe('4.03');
      expect(registered('other-dev')).toBeUndefined();
      const mapped = await device.register('mapped-ep', { lt: 60 });
      expect(mapped.code).toBe('4.03');
      const open = await device.register('plain-dev', { lt: 60 });
      expect(open.code).toBe('2.01');
      expect(registered('plain-dev')?.auth).toEqual({ auth: 'none' });
    } finally {
      await device.close();
    }
  });

  it('a plain Update or De-register of a DTLS registration is refused (4.03) and does not move it', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl) return ctx.skip();
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'psk-dev', { identity: 'psk-dev', key: 'first-secret' }));
    await vi.waitFor(() => expect(registered('psk-dev')?.auth.auth).toBe('psk'));
    const peerBefore = registered('psk-dev')?.peer;
    const device = await Lwm2mTestDevice.open({ host: '127.0.0.1', port: plainPort });
    try {
      device.location = ['rd', 'psk-dev'];
      expect((await device.update([])).code).toBe('4.03');
      expect((await device.deregister()).code).toBe('4.03');
      expect(registered('psk-dev')?.peer).toEqual(peerBefore);
    } finally {
      await device.close();
    }
  });

  it('registers with an X.509 client certificate whose CN is the endpoint; refuses another CN and an untrusted CA', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl || certs === undefined) return ctx.skip();
    const pki = (cn: string, files: { certFile: string; keyFile: string }): string[] => [
      '-c',
      files.certFile,
      '-j',
      files.keyFile,
      '-C',
      certs?.caFile ?? '',
      '-n',
      '-m',
      'post',
      '-e',
      '</3/0>',
      `coaps://127.0.0.1:${dtlsPort}/rd?ep=${cn}&lt=60&lwm2m=1.0`,
    ];
    const clients = certs.clients;
    await coapClient('coap-client-openssl', pki('cert-dev', clients['cert-dev']));
    await vi.waitFor(() => expect(registered('cert-dev')?.auth).toEqual({ auth: 'x509', identity: 'cert-dev' }));
    expect(dtls.lastCipher).toMatch(/^ECDHE-ECDSA-AES128-(CCM8|GCM-SHA256)$/);
    const other = await coapClient('coap-client-openssl', pki('cert-dev-2', clients['cert-other']));
    expect(`${other.stdout}${other.stderr}`).toContain('4.03');
    const failed = dtls.stats.handshakesFailed;
    await coapClient('coap-client-openssl', pki('rogue', certs.untrusted), 2);
    await vi.waitFor(() => expect(dtls.stats.handshakesFailed).toBeGreaterThan(failed));
    expect(registered('rogue')).toBeUndefined();
  });

  it('reloads the PSK file without dropping sessions: new keys apply to the next handshake, removed ones are refused', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!tools.openssl) return ctx.skip();
    const before = dtls.sessionCount;
    await writeFile(join(dir, 'psk.txt'), 'psk-dev:rotated-secret\nnew-dev:new-secret\n');
    expect((await credentials.load(join(dir, 'psk.txt'), ':')).problems).toEqual([]);
    expect(dtls.sessionCount).toBe(before);
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'new-dev', { identity: 'new-dev', key: 'new-secret' }));
    await vi.waitFor(() => expect(registered('new-dev')?.auth.auth).toBe('psk'));
    const failed = dtls.stats.handshakesFailed;
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'other-dev', { identity: 'other-dev', key: 'other-secret' }), 2);
    await vi.waitFor(() => expect(dtls.stats.handshakesFailed).toBeGreaterThan(failed));
    // A file with an error changes nothing.
    await writeFile(join(dir, 'psk.txt'), 'no separator here\n');
    expect((await credentials.load(join(dir, 'psk.txt'), ':')).problems).toHaveLength(1);
    expect(credentials.keyFor('new-dev')).toEqual(Buffer.from('new-secret'));
  });
});

describe('DTLS listener under hostile peers (hand-built ClientHellos)', () => {
  let endpoint: DtlsEndpoint;
  const sockets: Socket[] = [];

  const open = async (opts: { maxHandshakes?: number; rate?: number; timeoutMs?: number } = {}): Promise<DtlsEndpoint> =>
    DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'test',
        logger: silentLogger(),
        maxConnections: 100,
        maxHandshakes: opts.maxHandshakes ?? 100,
        handshakeTimeoutMs: opts.timeoutMs ?? 300,
        handshakeRatePerSource: opts.rate ?? 0,
        credentials: { ciphers: 'PSK-AES128-CCM8', verifyPeer: false, failIfNoPeerCert: false, pskLookup: () => Buffer.from('k') },
      },
      () => undefined,
    );

  const client = async (): Promise<{ socket: Socket; replies: Buffer[] }> => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    sockets.push(socket);
    const replies: Buffer[] = [];
    socket.on('message', (msg) => replies.push(msg));
    return { socket, replies };
  };

  /** ClientHello, HelloVerifyRequest, ClientHello with the cookie: the server now holds a handshake. */
  const startHandshake = async (c: { socket: Socket; replies: Buffer[] }): Promise<void> => {
    c.socket.send(clientHello(), endpoint.address.port, '127.0.0.1');
    await vi.waitFor(() => expect(c.replies.length).toBeGreaterThan(0));
    const cookie = helloVerifyCookie(c.replies[0]);
    expect(cookie).toBeDefined();
    c.socket.send(clientHello({ cookie, messageSeq: 1, recordSeq: 1 }), endpoint.address.port, '127.0.0.1');
  };

  afterAll(async () => {
    for (const s of sockets) s.close();
    await endpoint?.close();
  });

  it('answers a flood of ClientHellos with small HelloVerifyRequests and keeps no state before the cookie', async () => {
    endpoint = await open();
    const c = await client();
    const hello = clientHello();
    // In bursts of 100 (what the loopback socket buffers hold without loss).
    for (let burst = 1; burst <= 5; burst += 1) {
      for (let i = 0; i < 100; i += 1) c.socket.send(hello, endpoint.address.port, '127.0.0.1');
      await vi.waitFor(() => expect(c.replies.length).toBe(burst * 100), { timeout: 5000 });
    }
    expect(endpoint.sessionCount).toBe(0);
    expect(endpoint.stats.helloVerifyRequests).toBe(500);
    // RFC 6347 §4.2.1: no amplification: each answer is smaller than the request.
    for (const reply of c.replies) expect(reply.length).toBeLessThan(hello.length);
    // A forged cookie is answered with a new HelloVerifyRequest, not a handshake.
    c.socket.send(clientHello({ cookie: Buffer.alloc(16, 7), messageSeq: 1, recordSeq: 1 }), endpoint.address.port, '127.0.0.1');
    await vi.waitFor(() => expect(c.replies.length).toBe(501));
    expect(endpoint.sessionCount).toBe(0);
    // Records that are not a ClientHello from an unknown peer are dropped.
    c.socket.send(Buffer.from('garbage'), endpoint.address.port, '127.0.0.1');
    await vi.waitFor(() => expect(endpoint.stats.strayDatagrams).toBe(1));
    await endpoint.close();
  });

  it('survives malformed ClientHellos (random bodies, truncations) and still completes a real handshake after them', async () => {
    endpoint = await open({ timeoutMs: 300 });
    const c = await client();
    const valid = clientHello();
    for (let i = 0; i < 300; i += 1) {
      const bad = Buffer.from(valid);
      randomFill(bad, 25 + (i % 40));
      const truncated = i % 3 === 0 ? bad.subarray(0, 25 + (i % (bad.length - 25))) : bad;
      c.socket.send(truncated, endpoint.address.port, '127.0.0.1');
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(endpoint.sessionCount).toBe(0);
    const good = await client();
    await startHandshake(good);
    await vi.waitFor(() => expect(endpoint.handshakeCount).toBe(1));
    await endpoint.close();
  });

  it('forgets a client that vanishes mid-handshake after handshake_timeout', async () => {
    endpoint = await open({ timeoutMs: 300 });
    const c = await client();
    await startHandshake(c);
    await vi.waitFor(() => expect(endpoint.handshakeCount).toBe(1));
    // The server retransmits its flight (RFC 6347 §4.2.4) and then gives up.
    await vi.waitFor(() => expect(endpoint.handshakeCount).toBe(0), { timeout: 3000 });
    expect(endpoint.stats.handshakeTimeouts).toBe(1);
    expect(endpoint.sessionCount).toBe(0);
    await endpoint.close();
  });

  it('bounds handshakes in progress and the handshakes one source may start per second', async () => {
    endpoint = await open({ maxHandshakes: 3, timeoutMs: 5000 });
    for (let i = 0; i < 5; i += 1) await startHandshake(await client());
    await vi.waitFor(() => expect(endpoint.stats.overCapacity).toBe(2));
    expect(endpoint.handshakeCount).toBe(3);
    await endpoint.close();

    endpoint = await open({ rate: 1, timeoutMs: 5000 });
    for (let i = 0; i < 4; i += 1) await startHandshake(await client());
    // Burst of 2 for 1/s: the third and fourth from 127.0.0.1 are refused.
    await vi.waitFor(() => expect(endpoint.stats.rateLimited).toBeGreaterThanOrEqual(1));
    expect(endpoint.handshakeCount).toBeLessThanOrEqual(3);
    await endpoint.close();
  });
});

describe('DTLS session resumption (openssl s_client)', () => {
  it('resumes a session by its id: the second handshake is abbreviated', async (ctx) => {
    if (!(await hasOpenssl())) {
      missingTool('openssl');
      return ctx.skip();
    }
    const endpoint = await DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'resume',
        logger: silentLogger(),
        maxConnections: 10,
        maxHandshakes: 10,
        handshakeTimeoutMs: 3000,
        handshakeRatePerSource: 0,
        credentials: {
          ciphers: 'PSK-AES128-CCM8',
          verifyPeer: false,
          failIfNoPeerCert: false,
          pskLookup: (id) => (id === 'r1' ? Buffer.from('resume-key') : undefined),
        },
      },
      () => undefined,
    );
    const dir = await mkdtemp(join(tmpdir(), 'gw-resume-'));
    const sClient = (sessionArg: string[]): Promise<string> =>
      new Promise((resolve) => {
        const child = execFile(
          'openssl',
          [
            's_client',
            '-dtls1_2',
            '-connect',
            `127.0.0.1:${endpoint.address.port}`,
            '-psk_identity',
            'r1',
            '-psk',
            Buffer.from('resume-key').toString('hex'),
            '-cipher',
            'PSK-AES128-CCM8',
            ...sessionArg,
          ],
          { timeout: 10_000 },
          (_err, stdout) => resolve(String(stdout)),
        );
        child.stdin?.end();
      });
    try {
      const first = await sClient(['-sess_out', join(dir, 'session.pem')]);
      expect(first).toMatch(/New, TLSv1\.2, Cipher is PSK-AES128-CCM8/);
      const second = await sClient(['-sess_in', join(dir, 'session.pem')]);
      expect(second).toMatch(/Reused, TLSv1\.2, Cipher is PSK-AES128-CCM8/);
    } finally {
      await endpoint.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a client that reboots (RFC 6347 §4.2.8)', () => {
  it('a new handshake from the address of a live session replaces that session', async () => {
    const echo: DtlsEndpoint = await DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'echo',
        logger: silentLogger(),
        maxConnections: 10,
        maxHandshakes: 10,
        handshakeTimeoutMs: 3000,
        handshakeRatePerSource: 0,
        credentials: { ciphers: 'PSK-AES128-CCM8', verifyPeer: false, failIfNoPeerCert: false, pskLookup: () => Buffer.from('reboot-key') },
      },
      (msg, address, port) => echo?.send(Buffer.concat([Buffer.from('echo:'), msg]), port, address),
    );
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
    const localPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const connect = async (): Promise<dtlsClient.Socket> => {
      const socket = dtlsClient.createSocket({
        type: 'udp4',
        address: '127.0.0.1',
        port: echo?.address.port ?? 0,
        psk: { r: 'reboot-key' },
        timeout: 3000,
        listenPort: localPort,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connected', () => resolve());
        socket.once('error', reject);
      });
      return socket;
    };
    const roundTrip = (socket: dtlsClient.Socket, text: string): Promise<string> =>
      new Promise((resolve) => {
        socket.once('message', (msg: Buffer) => resolve(msg.toString()));
        socket.send(Buffer.from(text));
      });
    try {
      const before = await connect();
      expect(await roundTrip(before, 'one')).toBe('echo:one');
      // The device loses its state: its socket goes away without a close_notify.
      (before as unknown as { udp: Socket }).udp.close();
      const after = await connect();
      expect(await roundTrip(after, 'two')).toBe('echo:two');
      expect(echo.sessionCount).toBe(1);
      expect(echo.stats.handshakesCompleted).toBe(2);
      after.close();
    } finally {
      await echo.close();
    }
  });
});
