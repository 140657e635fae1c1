import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** The DNS name in the server certificate. */
  readonly serverName: string;
}

/** Whether the `openssl` CLI can run here. */
export async function hasOpenssl(): Promise<boolean> {
  try {
    await run('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * A throwaway CA, a server certificate for `broker.test` and a client
 * certificate, made with the openssl CLI (P-256 keys, valid one day).
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-certs-'));
  const file = (name: string): string => join(dir, name);
  const serverName = 'broker.test';
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=gateway test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await writeFile(file('server.ext'), `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
    await writeFile(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, subject] of [
      ['server', `/CN=${serverName}`],
      ['client', '/CN=gateway-client'],
    ] as const) {
      await run('openssl', ['req', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.pem'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-out',
        file(`${name}.pem`),
        '-days',
        '1',
        '-extfile',
        file(`${name}.ext`),
      ]);
    }
    const read = (name: string): Promise<string> => readFile(file(name), 'utf8');
    return {
      caPem: await read('ca.pem'),
      serverCertPem: await read('server.pem'),
      serverKeyPem: await read('server.key'),
      clientCertPem: await read('client.pem'),
      clientKeyPem: await read('client.key'),
      serverName,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Local runs without the tool skip with a warning; CI (env CI=true) must have it. */
export function missingTool(tool: string): void {
  if (process.env['CI'] === 'true') throw new Error(`${tool} is required in CI but was not found`);
  console.warn(`[upstream tests] ${tool} not found: skipping the tests that need it (they are required in CI)`);
}
