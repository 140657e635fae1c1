import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/config/package-root.js';
import { ConfigError, type ConfigProblem } from '../../../src/errors.js';
import { loadBootstrapConfigFile, parseBootstrapConfig } from '../../../src/lwm2m/bootstrap/bootstrap-config-file.js';
import { parsePskKey } from '../../../src/lwm2m/bootstrap/key-material.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/bootstrap');

async function parse(endpoints: unknown): Promise<{ entries: Awaited<ReturnType<typeof parseBootstrapConfig>>; problems: ConfigProblem[] }> {
  const problems: ConfigProblem[] = [];
  const entries = await parseBootstrapConfig({ endpoints }, FIXTURES, problems);
  return { entries, problems };
}

describe('bootstrap configuration file', () => {
  it('takes a PSK entry with defaults filled in', async () => {
    const { entries, problems } = await parse({ dev1: { server_uri: 'coaps://gw.example.com:5684', security_mode: 'psk', psk_key: '0xA0b1' } });
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      {
        name: 'dev1',
        serverUri: 'coaps://gw.example.com:5684',
        securityMode: 'psk',
        pskIdentity: undefined,
        pskKey: Buffer.from([0xa0, 0xb1]),
        certificate: undefined,
        privateKey: undefined,
        serverCertificate: undefined,
        shortServerId: 1,
        lifetime: 300,
        binding: 'U',
        notificationStoring: true,
        delete: ['/0', '/1'],
        discover: false,
        securityInstance: 1,
        serverInstance: 0,
      },
    ]);
  });

  it('reads a PSK written as text as its UTF-8 bytes, and 0x... as hex', () => {
    expect(parsePskKey('secret')).toEqual(Buffer.from('secret'));
    expect(parsePskKey('0x00ff')).toEqual(Buffer.from([0, 255]));
    expect(parsePskKey('0X00FF')).toEqual(Buffer.from([0, 255]));
    expect(parsePskKey('0x0')).toMatch(/even number/);
    expect(parsePskKey('0xzz')).toMatch(/even number/);
    expect(parsePskKey('')).toMatch(/non-empty/);
    expect(parsePskKey('x'.repeat(65))).toMatch(/longer than 64/);
  });

  it('reads X.509 certificates and keys (PEM or DER) into the DER forms the Security object carries', async () => {
    const { entries, problems } = await parse({
      'x509-device': {
        server_uri: 'coaps://gw:5684',
        security_mode: 'x509',
        certificate: 'client-cert.der',
        private_key: 'client-key.pem',
        server_certificate: 'server-cert.pem',
      },
    });
    expect(problems).toEqual([]);
    const entry = entries[0];
    expect(new X509Certificate(entry?.certificate ?? Buffer.alloc(0)).subject).toBe('CN=x509-device');
    expect(new X509Certificate(entry?.serverCertificate ?? Buffer.alloc(0)).subject).toBe('CN=lwm2m-server');
    // The SEC1 PEM key comes out as PKCS#8 DER of the same key.
    const pem = await readFile(join(FIXTURES, 'client-key.pem'));
    const expected = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
    expect(entry?.privateKey).toEqual(expected);
  });

  it('names every problem with its key, hides secrets, and refuses shared credentials in the wildcard entry', async () => {
    const { entries, problems } = await parse({
      '*': { server_uri: 'coaps://gw:5684', security_mode: 'psk', psk_identity: 'all', psk_key: 'shared-secret' },
      'a/b': { server_uri: 'coap://gw:5683', security_mode: 'nosec' },
      dev2: {
        server_uri: 'coap://gw:5683',
        security_mode: 'psk',
        psk_key: '0x123',
        short_server_id: 65_535,
        lifetime: 0,
        binding: 'UU',
        notification_storing: 'yes',
        delete: ['/0/1/2'],
        discover: 1,
        security_instance: -1,
        colour: 'red',
      },
      dev3: { server_uri: 'coap://gw:5683', security_mode: 'nosec', psk_key: 'k', certificate: 'c.pem' },
      dev4: { server_uri: 'ftp://gw', security_mode: 'tls' },
      dev5: {
        server_uri: 'coaps://gw:5684',
        security_mode: 'x509',
        certificate: 'missing.pem',
        private_key: 'client-cert.pem',
        server_certificate: 'client-key.pem',
      },
      '*x': { server_uri: 'coaps://gw:5684', security_mode: 'x509' },
    });
    expect(entries).toEqual([]);
    const byKey = new Map(problems.map((p) => [p.key, p]));
    expect(byKey.get('endpoints.*.psk_identity')?.reason).toMatch(/not allowed in the "\*" entry/);
    expect(byKey.get('endpoints.*.psk_key')?.reason).toMatch(/not allowed in the "\*" entry/);
    expect(byKey.get('endpoints.a/b')?.reason).toMatch(/separator/);
    expect(byKey.get('endpoints.dev2.server_uri')?.reason).toMatch(/coaps:\/\/host:port/);
    expect(byKey.get('endpoints.dev2.psk_key')?.reason).toMatch(/even number/);
    expect(byKey.get('endpoints.dev2.short_server_id')?.reason).toMatch(/1 to 65534/);
    expect(byKey.get('endpoints.dev2.lifetime')?.reason).toMatch(/from 1/);
    expect(byKey.get('endpoints.dev2.binding')?.reason).toMatch(/binding/);
    expect(byKey.get('endpoints.dev2.notification_storing')?.reason).toMatch(/true or false/);
    expect(byKey.get('endpoints.dev2.delete')?.reason).toMatch(/list of paths/);
    expect(byKey.get('endpoints.dev2.discover')?.reason).toMatch(/true or false/);
    expect(byKey.get('endpoints.dev2.security_instance')?.reason).toMatch(/from 0/);
    expect(byKey.get('endpoints.dev2.colour')?.reason).toMatch(/unknown key/);
    expect(byKey.get('endpoints.dev3.psk_key')?.reason).toMatch(/only with security_mode "psk"/);
    expect(byKey.get('endpoints.dev3.certificate')?.reason).toMatch(/only with security_mode "x509"/);
    expect(byKey.get('endpoints.dev4.security_mode')?.reason).toMatch(/"psk", "nosec" or "x509"/);
    expect(byKey.get('endpoints.dev5.certificate')?.reason).toMatch(/cannot read the file \(ENOENT\)/);
    expect(byKey.get('endpoints.dev5.private_key')?.reason).toMatch(/not a private key/);
    expect(byKey.get('endpoints.dev5.server_certificate')?.reason).toMatch(/not an X.509 certificate/);
    expect(byKey.get('endpoints.*x.certificate')?.reason).toMatch(/required with security_mode "x509"/);
    // No key material in any reported value.
    const text = JSON.stringify(problems);
    expect(text).not.toContain('shared-secret');
    expect(text).not.toContain('0x123');
  });

  it('refuses two devices with one PSK identity', async () => {
    const { problems } = await parse({
      a: { server_uri: 'coaps://gw:5684', security_mode: 'psk', psk_identity: 'b' },
      b: { server_uri: 'coaps://gw:5684', security_mode: 'psk' },
    });
    expect(problems).toEqual([{ key: 'endpoints.b.psk_identity', value: 'b', reason: 'same PSK identity as endpoints.a; an identity names one device' }]);
  });

  describe('loadBootstrapConfigFile', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bs-config-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('loads a file and looks endpoints up, the wildcard last', async () => {
      const file = join(dir, 'ok.json');
      await writeFile(
        file,
        JSON.stringify({
          endpoints: { dev1: { server_uri: 'coap://gw:5683', security_mode: 'nosec' }, '*': { server_uri: 'coaps://gw:5684', security_mode: 'psk' } },
        }),
      );
      const entries = await loadBootstrapConfigFile(file);
      expect(entries.size).toBe(2);
      expect(entries.lookup('dev1')?.name).toBe('dev1');
      expect(entries.lookup('other')?.name).toBe('*');
    });

    it('accepts the shipped example file', async () => {
      const entries = await loadBootstrapConfigFile(join(packageRoot(), 'config', 'bootstrap.example.json'));
      expect(entries.lookup('sensor-17')?.securityMode).toBe('psk');
      expect(entries.lookup('dev42')?.serverUri).toBe('coap://127.0.0.1:5683');
    });

    it('throws one ConfigError naming the file, the config key and each problem', async () => {
      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify({ endpoint: {}, endpoints: { dev1: { security_mode: 'psk' } } }));
      const err = await loadBootstrapConfigFile(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      const lines = (err as ConfigError).message.split('\n');
      expect(lines[0]).toBe(`invalid configuration in ${file} (lwm2m.bootstrap.config_file)`);
      expect(lines.slice(1)).toEqual([
        '  endpoint: unknown key; the document has only "endpoints" (got {})',
        '  endpoints.dev1.server_uri: required: "coaps://host:port" (security_mode psk) (got nothing)',
      ]);
    });

    it('reports invalid JSON with its line and column, and a missing file', async () => {
      const file = join(dir, 'broken.json');
      await writeFile(file, '{\n  "endpoints": {,\n}');
      await expect(loadBootstrapConfigFile(file)).rejects.toThrow(/broken.json:2:/);
      await expect(loadBootstrapConfigFile(join(dir, 'nope.json'))).rejects.toThrow(/cannot read the file \(ENOENT\)/);
    });
  });
});
