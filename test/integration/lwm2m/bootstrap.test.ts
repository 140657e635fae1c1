import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { loadBootstrapConfigFile } from '../../../src/lwm2m/bootstrap/bootstrap-config-file.js';
import { InMemoryProvisionedCredentials } from '../../../src/lwm2m/bootstrap/credential-sink.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../../src/lwm2m/model/xml-loader.js';
import { BootstrapTestClient } from '../../helpers/lwm2m-bootstrap-client.js';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { MqttWatcher, uniqueEp } from './harness.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/bootstrap');

interface BootstrapSetup {
  readonly gateway: Lwm2mGateway;
  readonly mqtt: MqttWatcher;
  readonly credentials: InMemoryProvisionedCredentials;
  readonly upstreamUrl: string;
  /** The bootstrap listener and the registration listener. */
  readonly bootstrapServer: { host: string; port: number };
  readonly lwm2mServer: { host: string; port: number };
  client(): Promise<BootstrapTestClient>;
  device(): Promise<Lwm2mTestDevice>;
  close(): Promise<void>;
}

/** A gateway with the bootstrap server on 127.0.0.1:0, reading `endpoints` from a real config file. */
async function startBootstrapGateway(
  endpoints: Record<string, unknown>,
  bootstrap: Record<string, unknown> = {},
  // Short CoAP timers by default: a device that stops answering is given up on in well under a second.
  coap: Record<string, unknown> = { ack_timeout: '100ms', ack_random_factor: 1, max_retransmit: 1 },
  lwm2m: Record<string, unknown> = {},
  credentials: InMemoryProvisionedCredentials = new InMemoryProvisionedCredentials(),
): Promise<BootstrapSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'bootstrap-test-'));
  const file = join(dir, 'bootstrap.json');
  await writeFile(file, JSON.stringify({ endpoints }));
  const config = resolveConfig({
    lwm2m: {
      listeners: { udp: { default: { bind: '127.0.0.1:0' } } },
      coap,
      bootstrap: { config_file: file, listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, ...bootstrap },
      ...lwm2m,
    },
  }).lwm2m;
  const entries = await loadBootstrapConfigFile(file);
  const upstream: TestUpstream = await startTestUpstream();
  const { models } = await loadModelDirectory(SHIPPED_XML_DIR);
  const gateway = await Lwm2mGateway.start({
    config,
    upstream: upstream.connector,
    models: createModelRegistry(models),
    logger: silentLogger(),
    bootstrap: { entries, credentials },
  });
  const mqttClient = await connectAsync(upstream.url, { clientId: `bs-watcher-${process.pid}-${Date.now()}` });
  const bootstrapServer = { host: '127.0.0.1', port: gateway.bootstrap?.addresses[0]?.port ?? 0 };
  const lwm2mServer = { host: '127.0.0.1', port: gateway.addresses[0]?.port ?? 0 };
  const opened: { close(): Promise<void> }[] = [];
  return {
    gateway,
    mqtt: new MqttWatcher(mqttClient),
    credentials,
    upstreamUrl: upstream.url,
    bootstrapServer,
    lwm2mServer,
    async client() {
      const c = await BootstrapTestClient.open(bootstrapServer);
      opened.push(c);
      return c;
    },
    async device() {
      const d = await Lwm2mTestDevice.open(lwm2mServer);
      opened.push(d);
      return d;
    },
    async close() {
      await Promise.all(opened.map((o) => o.close()));
      await mqttClient.endAsync();
      await gateway.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('LwM2M bootstrap server over real UDP (named endpoints, no wildcard)', () => {
  const pskEp = uniqueEp('bs-psk');
  const rejectEp = uniqueEp('bs-406');
  const silentEp = uniqueEp('bs-silent');
  const x509Ep = uniqueEp('bs-x509');
  const pskKeyHex = '00112233445566778899aabbccddeeff';
  let s: BootstrapSetup;

  beforeAll(async () => {
    const base = { server_uri: 'coaps://127.0.0.1:5684', security_mode: 'psk', short_server_id: 7, lifetime: 120, binding: 'UQ' };
    s = await startBootstrapGateway({
      [pskEp]: { ...base, psk_identity: `id-${pskEp}`, psk_key: `0x${pskKeyHex}` },
      [rejectEp]: { ...base, psk_key: 'text-key' },
      [silentEp]: { server_uri: 'coap://127.0.0.1:5683', security_mode: 'nosec' },
      [x509Ep]: {
        server_uri: 'coaps://127.0.0.1:5684',
        security_mode: 'x509',
        certificate: join(FIXTURES, 'rsa-client-cert.pem'),
        private_key: join(FIXTURES, 'rsa-client-key.pem'),
        server_certificate: join(FIXTURES, 'server-cert.pem'),
      },
    });
  });
  afterAll(async () => {
    await s.close();
  });

  it('provisions a PSK account: request, deletes, TLV writes, finish; credentials stored; the device then registers', async () => {
    const topic = `lwm2m/${pskEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    const ack = await client.request(pskEp);
    expect(ack.type).toBe('ACK');
    expect(ack.code).toBe('2.04');
    const run = await client.serve();
    expect(run.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0', 'POST /bs']);
    expect(run.writeFormats.get('/0/1')).toBe(11542);
    expect(run.writeFormats.get('/1/0')).toBe(11542);
    const security = run.security.get(1);
    expect(security).toEqual({
      uri: 'coaps://127.0.0.1:5684',
      bootstrap: false,
      mode: 0,
      identity: Buffer.from(`id-${pskEp}`),
      serverKey: Buffer.alloc(0),
      secret: Buffer.from(pskKeyHex, 'hex'),
      ssid: 7,
    });
    expect(run.server.get(0)).toEqual({ ssid: 7, lifetime: 120, notificationStoring: true, binding: 'UQ' });

    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-request', data: { ep: pskEp } });
    expect(await s.mqtt.next(topic)).toEqual({
      msgType: 'bootstrap-finished',
      data: { ep: pskEp, serverUri: 'coaps://127.0.0.1:5684', securityMode: 'psk', shortServerId: 7, lifetime: 120, binding: 'UQ', pskIdentity: `id-${pskEp}` },
    });
    // The key the device was given is where the DTLS listener will look it up, bound to the endpoint.
    expect(s.credentials.get(`id-${pskEp}`)).toEqual({ key: Buffer.from(pskKeyHex, 'hex'), endpoint: pskEp });

    // With its new account, the device registers to the LwM2M server.
    const device = await s.device();
    const reg = await device.register(pskEp, { lt: run.server.get(0)?.lifetime, extra: ['b=UQ'] });
    expect(reg.code).toBe('2.01');
    expect(await s.mqtt.next(topic)).toMatchObject({ msgType: 'register', data: { ep: pskEp, lt: 120, b: 'UQ' } });
    expect(s.gateway.bootstrap?.activeSessions).toBe(0);
  });

  it('provisions an X.509 account: certificates and key as DER, the large Security write sent block-wise', async () => {
    const topic = `lwm2m/${x509Ep}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(x509Ep)).code).toBe('2.04');
    const run = await client.serve();
    expect(run.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0', 'POST /bs']);
    // RFC 7959: above 1024 bytes the write goes out in Block1 blocks.
    expect(run.blocks).toBeGreaterThan(1);
    const security = run.security.get(1);
    expect(security?.mode).toBe(2);
    expect(security?.uri).toBe('coaps://127.0.0.1:5684');
    expect(new X509Certificate(security?.identity ?? Buffer.alloc(0)).subject).toBe('CN=rsa-device');
    expect(new X509Certificate(security?.serverKey ?? Buffer.alloc(0)).subject).toBe('CN=lwm2m-server');
    const pkcs8 = createPrivateKey(await readFile(join(FIXTURES, 'rsa-client-key.pem'))).export({ format: 'der', type: 'pkcs8' });
    expect(security?.secret).toEqual(pkcs8);
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    const finished = await s.mqtt.next(topic);
    expect(finished).toEqual({
      msgType: 'bootstrap-finished',
      data: { ep: x509Ep, serverUri: 'coaps://127.0.0.1:5684', securityMode: 'x509', shortServerId: 1, lifetime: 300, binding: 'U' },
    });
    // No key material in the event.
    expect(JSON.stringify(finished)).not.toContain(pkcs8.toString('base64').slice(0, 20));
  });

  it('unknown endpoint without a wildcard entry: 4.00 and bootstrap-failed, nothing written', async () => {
    const ep = uniqueEp('bs-unknown');
    const topic = `lwm2m/${ep}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    const ack = await client.request(ep);
    expect(ack.code).toBe('4.00');
    expect(ack.payload.length).toBe(0); // no diagnostic payload to an unverified peer (RFC 7252 §11.3)
    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-failed', data: { ep, reason: 'unknown_endpoint' } });
    await client.device.expectNothing(300);
  });

  it('publishes bootstrap-failed for unknown names at a bounded rate per source; the rest are counted, the answers stay the same', async () => {
    const prefix = uniqueEp('bs-flood');
    const everything = await connectAsync(s.upstreamUrl, { clientId: `bs-flood-${process.pid}-${Date.now()}` });
    const published: string[] = [];
    everything.on('message', (topic) => {
      if (topic.startsWith(`lwm2m/${prefix}`)) published.push(topic);
    });
    await everything.subscribeAsync('#', { qos: 1 });
    const before = s.gateway.bootstrap?.suppressedUnknownEndpointEvents ?? 0;
    const client = await s.client();
    for (let i = 0; i < 20; i++) expect((await client.request(`${prefix}-${i}`)).code).toBe('4.00');
    await new Promise((r) => setTimeout(r, 300));
    await everything.endAsync();
    // One source (127.0.0.1, which earlier tests used too): at most a burst of 5, then about one a second.
    expect(published.length).toBeGreaterThanOrEqual(1);
    expect(published.length).toBeLessThanOrEqual(6);
    expect((s.gateway.bootstrap?.suppressedUnknownEndpointEvents ?? 0) - before).toBe(20 - published.length);
  });

  it('refuses an ep that cannot be a topic level, or no ep at all: 4.00 without payload, no event', async () => {
    const client = await s.client();
    const everything = await connectAsync(s.upstreamUrl, { clientId: `bs-all-${process.pid}-${Date.now()}` });
    const events: string[] = [];
    everything.on('message', (topic, payload) => {
      if (payload.toString().includes('"bootstrap-')) events.push(`${topic} ${payload.toString()}`);
    });
    await everything.subscribeAsync('#', { qos: 1 });
    for (const query of [['ep=a/b'], ['ep=+'], ['ep=$SYS'], ['ep='], [], [`ep=${pskEp}`, `ep=${pskEp}`]]) {
      const ack = await client.device.request('0.02', ['bs'], query);
      expect(ack.code, query.join('&')).toBe('4.00');
      expect(ack.payload.length, query.join('&')).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    await everything.endAsync();
    expect(events).toEqual([]);
    // Other resources of the bootstrap listener.
    expect((await client.device.request('0.02', ['rd'], [`ep=${pskEp}`])).code).toBe('4.04');
    expect((await client.device.request('0.01', ['bs'], [`ep=${pskEp}`])).code).toBe('4.05');
  });

  it('Bootstrap-Finish answered 4.06: bootstrap-failed with the code and diagnostic, no credentials stored', async () => {
    const topic = `lwm2m/${rejectEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(rejectEp)).code).toBe('2.04');
    const run = await client.serve({ finish: { code: '4.06', payload: 'no server account usable' } });
    expect(run.finishCode).toBe('4.06');
    // psk_identity omitted: the endpoint name is the identity; the text key is its UTF-8 bytes.
    expect(run.security.get(1)?.identity).toEqual(Buffer.from(rejectEp));
    expect(run.security.get(1)?.secret).toEqual(Buffer.from('text-key'));
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic)).toEqual({
      msgType: 'bootstrap-failed',
      data: { ep: rejectEp, reason: 'finish_rejected', operation: 'finish', code: '4.06', codeMsg: 'not_acceptable', message: 'no server account usable' },
    });
    expect(s.credentials.get(rejectEp)).toBeUndefined();
  });

  it('a device that stops answering mid-sequence: the write is retransmitted, then bootstrap-failed with timeout', async () => {
    const topic = `lwm2m/${silentEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(silentEp)).code).toBe('2.04');
    const run = await client.serve({ silentAt: 'PUT /0/1' });
    expect(run.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1']);
    // RFC 7252 §4.2: the unanswered CON comes again with the same Message ID.
    const again = await client.device.expectRequest(1000);
    expect(
      `${again.code} ${again.options
        .filter((o) => o.number === 11)
        .map((o) => o.value.toString())
        .join('/')}`,
    ).toBe('0.03 0/1');
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic, 3000)).toEqual({ msgType: 'bootstrap-failed', data: { ep: silentEp, reason: 'timeout', operation: 'write /0/1' } });
    // Nothing more is sent: no Server write, no Finish.
    await client.device.expectNothing(300);
    expect(s.gateway.bootstrap?.activeSessions).toBe(0);
  });

  it('a write answered with an error, or a request answered with RST: bootstrap-failed rejected / reset, nothing more sent', async () => {
    const topic = `lwm2m/${silentEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(silentEp)).code).toBe('2.04');
    const rejected = await client.serve({ failAt: { operation: 'PUT /1/0', reply: { code: '4.00', payload: 'bad binding' } } });
    expect(rejected.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0']);
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic)).toEqual({
      msgType: 'bootstrap-failed',
      data: { ep: silentEp, reason: 'rejected', operation: 'write /1/0', code: '4.00', codeMsg: 'bad_request', message: 'bad binding' },
    });
    await client.device.expectNothing(200);

    expect((await client.request(silentEp)).code).toBe('2.04');
    const reset = await client.serve({ failAt: { operation: 'DELETE /1', reply: 'reset' } });
    expect(reset.operations).toEqual(['DELETE /0', 'DELETE /1']);
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-failed', data: { ep: silentEp, reason: 'reset', operation: 'delete /1' } });
    await client.device.expectNothing(200);
  });

  it('a retransmitted Bootstrap-Request (same message id) gets the same 2.04 and starts no second sequence', async () => {
    const topic = `lwm2m/${silentEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    const first = await client.device.request('0.02', ['bs'], [`ep=${silentEp}`], undefined, 4242);
    const again = await client.device.request('0.02', ['bs'], [`ep=${silentEp}`], undefined, 4242);
    expect([first.code, again.code]).toEqual(['2.04', '2.04']);
    const run = await client.serve();
    expect(run.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0', 'POST /bs']);
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-finished');
    await s.mqtt.none(topic, 200);
    await client.device.expectNothing(100);
  });

  it('a new Bootstrap-Request replaces the sequence under way (bootstrap-failed superseded, then a new sequence)', async () => {
    const topic = `lwm2m/${silentEp}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(silentEp)).code).toBe('2.04');
    const first = await client.device.expectRequest();
    expect(first.code).toBe('0.04');
    expect((await client.request(silentEp)).code).toBe('2.04');
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-failed', data: { ep: silentEp, reason: 'superseded', operation: 'delete /0' } });
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    // The abandoned DELETE is not retransmitted; the new sequence runs to its end.
    const run = await client.serve();
    expect(run.operations).toEqual(['DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0', 'POST /bs']);
    expect(run.security.get(1)).toMatchObject({ uri: 'coap://127.0.0.1:5683', mode: 3, identity: Buffer.alloc(0), secret: Buffer.alloc(0), ssid: 1 });
    expect(run.server.get(0)).toEqual({ ssid: 1, lifetime: 300, notificationStoring: true, binding: 'U' });
    expect(await s.mqtt.next(topic)).toMatchObject({ msgType: 'bootstrap-finished', data: { ep: silentEp, securityMode: 'nosec' } });
  });
});

describe('LwM2M bootstrap server: wildcard entry, LwM2M 1.1 client with pct and discover', () => {
  const v11Ep = uniqueEp('bs-11');
  let s: BootstrapSetup;

  beforeAll(async () => {
    s = await startBootstrapGateway(
      {
        // Every other device: PSK with its endpoint name as identity and a key generated per bootstrap.
        '*': { server_uri: 'coaps://127.0.0.1:5684', security_mode: 'psk', lifetime: 600 },
        [v11Ep]: {
          server_uri: 'coap://127.0.0.1:5683',
          security_mode: 'nosec',
          discover: true,
          delete: ['/'],
          security_instance: 3,
          server_instance: 2,
          short_server_id: 101,
          binding: 'T',
          notification_storing: false,
        },
      },
      { listeners: { udp: { default: { bind: '127.0.0.1:0', max_connections: 2 } } } },
      // A silent peer is given up on after 1.5 s: long enough that the capacity tests never race a timeout.
      { ack_timeout: '500ms', ack_random_factor: 1, max_retransmit: 1 },
    );
  });
  afterAll(async () => {
    await s.close();
  });

  it('discovers, deletes /, and writes SenML JSON to a client that asked for it with pct=110', async () => {
    const topic = `lwm2m/${v11Ep}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(v11Ep, ['pct=110'])).code).toBe('2.04');
    const run = await client.serve({ discover: '</>;lwm2m=1.1,</0/0>;uri="coap://bs:5685",</1>,</3/0>' });
    expect(run.operations).toEqual(['GET /', 'DELETE /', 'PUT /0/3', 'PUT /1/2', 'POST /bs']);
    expect(run.writeFormats.get('/0/3')).toBe(110);
    expect(run.writeFormats.get('/1/2')).toBe(110);
    expect(run.security.get(3)).toEqual({
      uri: 'coap://127.0.0.1:5683',
      bootstrap: false,
      mode: 3,
      identity: Buffer.alloc(0),
      serverKey: Buffer.alloc(0),
      secret: Buffer.alloc(0),
      ssid: 101,
    });
    expect(run.server.get(2)).toEqual({ ssid: 101, lifetime: 300, notificationStoring: false, binding: 'T' });
    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-request', data: { ep: v11Ep, pct: 110 } });
    expect(await s.mqtt.next(topic)).toEqual({
      msgType: 'bootstrap-finished',
      data: {
        ep: v11Ep,
        serverUri: 'coap://127.0.0.1:5683',
        securityMode: 'nosec',
        shortServerId: 101,
        lifetime: 300,
        binding: 'T',
        // The links as parsed (RFC 6690): a ptoken value needs no quotes.
        discovered: ['</>;lwm2m=1.1', '</0/0>;uri=coap://bs:5685', '</1>', '</3/0>'],
      },
    });
  });

  it('writes SenML CBOR to a client that asked for pct=112, and TLV for a pct it cannot use for an instance', async () => {
    for (const [pct, format] of [
      [112, 112],
      [0, 11542],
    ] as const) {
      const ep = uniqueEp('bs-pct');
      const client = await s.client();
      expect((await client.request(ep, [`pct=${pct}`])).code).toBe('2.04');
      const run = await client.serve();
      expect(run.writeFormats.get('/0/1')).toBe(format);
      expect(run.writeFormats.get('/1/0')).toBe(format);
      expect(run.security.get(1)).toMatchObject({ uri: 'coaps://127.0.0.1:5684', mode: 0, identity: Buffer.from(ep), ssid: 1 });
      expect(run.security.get(1)?.secret.length).toBe(16);
      expect(run.server.get(0)).toEqual({ ssid: 1, lifetime: 600, notificationStoring: true, binding: 'U' });
    }
  });

  it('wildcard PSK: each device gets its endpoint name as identity and its own random 16-byte key', async () => {
    const keys: Buffer[] = [];
    for (const ep of [uniqueEp('bs-wild'), uniqueEp('bs-wild')]) {
      const topic = `lwm2m/${ep}/response`;
      await s.mqtt.watch(topic);
      const client = await s.client();
      expect((await client.request(ep)).code).toBe('2.04');
      const run = await client.serve();
      const security = run.security.get(1);
      expect(security?.identity).toEqual(Buffer.from(ep));
      expect(security?.secret.length).toBe(16);
      expect(security?.uri).toBe('coaps://127.0.0.1:5684');
      expect(run.server.get(0)?.lifetime).toBe(600);
      expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
      expect(await s.mqtt.next(topic)).toMatchObject({ msgType: 'bootstrap-finished', data: { ep, securityMode: 'psk', pskIdentity: ep } });
      // Stored once the device accepted Finish (the event above follows the same 2.04).
      expect(s.credentials.get(ep)).toEqual({ key: security?.secret, endpoint: ep });
      keys.push(security?.secret ?? Buffer.alloc(0));
    }
    expect(keys[0]?.equals(keys[1] ?? Buffer.alloc(0))).toBe(false);
  });

  it('holds at most max_connections sequences per listener: with every peer answering, the next request gets 5.03', async () => {
    // Earlier sequences have ended (their Finish answers may still have been on the way).
    await expect.poll(() => s.gateway.bootstrap?.activeSessions).toBe(0);
    const clients = [await s.client(), await s.client(), await s.client()];
    const eps = [uniqueEp('bs-cap'), uniqueEp('bs-cap'), uniqueEp('bs-cap')];
    const halfDone: Promise<unknown>[] = [];
    for (const i of [0, 1]) {
      const client = clients[i];
      expect((await client.request(eps[i]))?.code).toBe('2.04');
      // Both devices answer their first request (they are real), then stay in the middle of their sequence.
      halfDone.push(client.serve({ silentAt: 'DELETE /1' }));
    }
    await Promise.all(halfDone);
    expect((await clients[2]?.request(eps[2]))?.code).toBe('5.03');
    // Both time out; then there is room again.
    await expect.poll(() => s.gateway.bootstrap?.activeSessions, { timeout: 5000 }).toBe(0);
    expect((await clients[2]?.request(eps[2]))?.code).toBe('2.04');
    expect((await clients[2]?.serve())?.finishCode).toBe('2.04');
  });

  it('when full, a sequence whose peer never answered (e.g. a forged source) gives way to a new request', async () => {
    await expect.poll(() => s.gateway.bootstrap?.activeSessions, { timeout: 5000 }).toBe(0);
    const eps = [uniqueEp('bs-evict'), uniqueEp('bs-evict'), uniqueEp('bs-evict')];
    const topic = `lwm2m/${eps[0]}/response`;
    await s.mqtt.watch(topic);
    const clients = [await s.client(), await s.client(), await s.client()];
    // Two peers ask and never answer.
    expect((await clients[0]?.request(eps[0]))?.code).toBe('2.04');
    expect((await clients[1]?.request(eps[1]))?.code).toBe('2.04');
    // A third, real device still gets its sequence: the oldest silent one is ended.
    expect((await clients[2]?.request(eps[2]))?.code).toBe('2.04');
    expect((await clients[2]?.serve())?.finishCode).toBe('2.04');
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic)).toEqual({ msgType: 'bootstrap-failed', data: { ep: eps[0], reason: 'evicted', operation: 'delete /0' } });
  });
});

describe('LwM2M bootstrap server: the provisioned-credential store is bounded', () => {
  let s: BootstrapSetup;
  beforeAll(async () => {
    const wildcard = { server_uri: 'coaps://127.0.0.1:5684', security_mode: 'psk' };
    s = await startBootstrapGateway({ '*': wildcard }, {}, undefined, {}, new InMemoryProvisionedCredentials(2));
  });
  afterAll(async () => {
    await s.close();
  });

  it('endpoint names invented under a * PSK entry cannot grow it: beyond its bound the least recently used key goes', async () => {
    const eps = [uniqueEp('bs-cap'), uniqueEp('bs-cap'), uniqueEp('bs-cap')];
    for (const [i, ep] of eps.entries()) {
      const topic = `lwm2m/${ep}/response`;
      await s.mqtt.watch(topic);
      const client = await s.client();
      expect((await client.request(ep)).code).toBe('2.04');
      await client.serve();
      expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
      expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-finished');
      // A DTLS handshake of the first device after the second bootstrap: its key is the most recently used.
      if (i === 1) expect(s.credentials.get(eps[0])?.endpoint).toBe(eps[0]);
    }
    expect(s.credentials.size).toBe(2);
    expect(s.credentials.get(eps[0])?.endpoint).toBe(eps[0]);
    expect(s.credentials.get(eps[1])).toBeUndefined();
    expect(s.credentials.get(eps[2])?.endpoint).toBe(eps[2]);
  });
});

describe('LwM2M bootstrap server: session_timeout', () => {
  const ep = uniqueEp('bs-slow');
  let s: BootstrapSetup;

  beforeAll(async () => {
    // Default CoAP timers: the empty-ACKed request would wait MAX_TRANSMIT_WAIT (93 s); session_timeout ends it first.
    s = await startBootstrapGateway({ [ep]: { server_uri: 'coap://127.0.0.1:5683', security_mode: 'nosec' } }, { session_timeout: '1s' }, {});
  });
  afterAll(async () => {
    await s.close();
  });

  it('a device that acknowledges but never answers fails the sequence at session_timeout', async () => {
    const topic = `lwm2m/${ep}/response`;
    await s.mqtt.watch(topic);
    const client = await s.client();
    expect((await client.request(ep)).code).toBe('2.04');
    const del = await client.device.expectRequest();
    // RFC 7252 §5.2.2: an empty ACK promises a separate response, which never comes.
    client.device.emptyAck(del);
    expect((await s.mqtt.next(topic)).msgType).toBe('bootstrap-request');
    expect(await s.mqtt.next(topic, 3000)).toEqual({ msgType: 'bootstrap-failed', data: { ep, reason: 'session_timeout', operation: 'delete /0' } });
  });
});

describe('LwM2M bootstrap server: events on the configured mountpoint and bootstrap translator', () => {
  const ep = uniqueEp('bs-topic');
  let s: BootstrapSetup;

  beforeAll(async () => {
    s = await startBootstrapGateway({ [ep]: { server_uri: 'coap://127.0.0.1:5683', security_mode: 'nosec' } }, {}, undefined, {
      mountpoint: 'devices/${endpoint_name}',
      translators: { bootstrap: { topic: '/bootstrap', qos: 1 }, register: { topic: '/register', qos: 0 } },
    });
  });
  afterAll(async () => {
    await s.close();
  });

  it('publishes bootstrap events on mountpoint + translators.bootstrap, register events on their own topic', async () => {
    await s.mqtt.watch(`devices/${ep}/bootstrap`);
    await s.mqtt.watch(`devices/${ep}/register`);
    const client = await s.client();
    expect((await client.request(ep)).code).toBe('2.04');
    await client.serve();
    expect((await s.mqtt.next(`devices/${ep}/bootstrap`)).msgType).toBe('bootstrap-request');
    expect((await s.mqtt.next(`devices/${ep}/bootstrap`)).msgType).toBe('bootstrap-finished');
    const device = await s.device();
    expect((await device.register(ep, { lt: 300 })).code).toBe('2.01');
    expect((await s.mqtt.next(`devices/${ep}/register`)).msgType).toBe('register');
    await s.mqtt.none(`devices/${ep}/bootstrap`, 200);
  });
});
