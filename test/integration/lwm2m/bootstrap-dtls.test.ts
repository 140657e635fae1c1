import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dtls } from 'node-dtls-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CoapOption, decodeMessage, encodeMessage } from '../../../src/lwm2m/coap/message.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { createLogger, silentLogger } from '../../../src/log.js';
import { loadBootstrapConfigFile } from '../../../src/lwm2m/bootstrap/bootstrap-config-file.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { PskStore } from '../../../src/security/psk-store.js';
import { coapClient, hasCoapClient, registerArgs } from '../../helpers/coap-client.js';
import { BootstrapTestClient } from '../../helpers/lwm2m-bootstrap-client.js';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';
import { missingTool } from '../upstream/test-certificates.js';

describe('bootstrap, then DTLS: the PSK the bootstrap server provisions is what the DTLS listener accepts', () => {
  let upstream: TestUpstream;
  let gateway: Lwm2mGateway;
  let dir: string;
  let haveClient = false;
  const keys = new PskStore();

  beforeAll(async () => {
    haveClient = await hasCoapClient('coap-client-openssl');
    if (!haveClient) missingTool('coap-client-openssl (Debian libcoap3-bin)');
    dir = await mkdtemp(join(tmpdir(), 'bs-dtls-'));
    const file = join(dir, 'bootstrap.json');
    await writeFile(
      file,
      JSON.stringify({
        endpoints: {
          'bs-dtls-dev': {
            server_uri: 'coaps://127.0.0.1:5684',
            security_mode: 'psk',
            psk_identity: 'bs-dtls-id',
            psk_key: 'given-by-bootstrap',
            short_server_id: 3,
            lifetime: 300,
          },
        },
      }),
    );
    const config = resolveConfig({
      lwm2m: {
        listeners: { udp: { default: { bind: '127.0.0.1:0' } }, dtls: { default: { bind: '127.0.0.1:0' } } },
        bootstrap: { config_file: file, listeners: { udp: { default: { bind: '127.0.0.1:0' } }, dtls: { default: { bind: '127.0.0.1:0' } } } },
      },
    }).lwm2m;
    upstream = await startTestUpstream();
    gateway = await Lwm2mGateway.start({
      config,
      upstream: upstream.connector,
      models: createModelRegistry([]),
      logger: process.env['BS_DEBUG'] ? createLogger('debug') : silentLogger(),
      credentials: keys,
      bootstrap: { entries: await loadBootstrapConfigFile(file), credentials: keys },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('registers over DTLS with the bootstrapped credentials, bound to its endpoint; plain UDP is refused for it afterwards', async (ctx) => {
    // Missing tool: skipped (visible) here, a failure in CI (see missingTool).
    if (!haveClient) return ctx.skip();
    const plainPort = gateway.addresses[0]?.port ?? 0;
    const dtlsPort = gateway.addresses[1]?.port ?? 0;
    // Before bootstrap: unknown identity.
    expect(keys.keyFor('bs-dtls-id')).toBeUndefined();
    const client = await BootstrapTestClient.open({ host: '127.0.0.1', port: gateway.bootstrap?.addresses[0]?.port ?? 0 });
    try {
      expect((await client.request('bs-dtls-dev')).code).toBe('2.04');
      const run = await client.serve();
      expect(run.operations.at(-1)).toBe('POST /bs');
      expect(run.security.get(1)?.secret).toEqual(Buffer.from('given-by-bootstrap'));
      await vi.waitFor(() => expect(keys.nameFor('bs-dtls-id')).toBe('bs-dtls-dev'), { timeout: 5000 });
    } finally {
      await client.close();
    }
    await coapClient('coap-client-openssl', registerArgs(dtlsPort, 'bs-dtls-dev', { identity: 'bs-dtls-id', key: 'given-by-bootstrap' }));
    await vi.waitFor(() => expect(gateway.store.get('bs-dtls-dev')?.auth).toEqual({ auth: 'psk', identity: 'bs-dtls-id' }));
    const plain = await Lwm2mTestDevice.open({ host: '127.0.0.1', port: plainPort });
    try {
      expect((await plain.register('bs-dtls-dev', { lt: 60 })).code).toBe('4.03');
    } finally {
      await plain.close();
    }
  });

  it('serves Bootstrap-Request over its DTLS listener; the ep must be the name the identity is bound to (else 4.00)', async () => {
    keys.add('factory-id', Buffer.from('factory-key'), 'bs-dtls-dev');
    const port = gateway.bootstrap?.addresses[1]?.port ?? 0;
    const socket = dtls.createSocket({ type: 'udp4', address: '127.0.0.1', port, psk: { 'factory-id': 'factory-key' }, timeout: 3000 });
    await new Promise<void>((resolve, reject) => {
      socket.once('connected', () => resolve());
      socket.once('error', reject);
    });
    const request = (ep: string, mid: number): Promise<string> =>
      new Promise((resolve) => {
        const onMessage = (msg: Buffer): void => {
          const answer = decodeMessage(msg);
          if (answer.messageId !== mid) return;
          socket.off('message', onMessage);
          resolve(answer.code);
        };
        socket.on('message', onMessage);
        socket.send(
          encodeMessage({
            type: 'CON',
            code: '0.02',
            messageId: mid,
            token: Buffer.from([mid]),
            options: [
              { number: CoapOption.URI_PATH, value: Buffer.from('bs') },
              { number: CoapOption.URI_QUERY, value: Buffer.from(`ep=${ep}`) },
            ],
            payload: Buffer.alloc(0),
          }),
        );
      });
    try {
      expect(await request('someone-else', 1)).toBe('4.00');
      expect(await request('bs-dtls-dev', 2)).toBe('2.04');
    } finally {
      socket.close();
    }
  });
});
