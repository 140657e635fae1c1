import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DtlsTestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate and key files by CN. */
  readonly clients: Readonly<Record<string, { certFile: string; keyFile: string }>>;
  /** A client certificate for `rogue` signed by a CA the gateway does not trust. */
  readonly untrusted: { certFile: string; keyFile: string };
  remove(): Promise<void>;
}

/**
 * ECDSA P-256 files made with the openssl CLI: a CA, the gateway's server
 * certificate, one client certificate per CN, and one from another CA.
 */
export async function makeDtlsCertificates(clientNames: readonly string[]): Promise<DtlsTestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-dtls-certs-'));
  const file = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string): Promise<void> => {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.pem`),
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  };
  const leaf = async (name: string, cn: string, signer: string, usage: string): Promise<{ certFile: string; keyFile: string }> => {
    await writeFile(file(`${name}.ext`), `extendedKeyUsage=${usage}\n`);
    await run('openssl', ['req', ...ec, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${signer}.pem`),
      '-CAkey',
      file(`${signer}.key`),
      '-CAcreateserial',
      '-out',
      file(`${name}.pem`),
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
    ]);
    return { certFile: file(`${name}.pem`), keyFile: file(`${name}.key`) };
  };
  await ca('test-ca');
  await ca('other-ca');
  const server = await leaf('server', 'gateway.test', 'test-ca', 'serverAuth');
  const clients: Record<string, { certFile: string; keyFile: string }> = {};
  for (const [i, cn] of clientNames.entries()) clients[cn] = await leaf(`client${i}`, cn, 'test-ca', 'clientAuth');
  const untrusted = await leaf('rogue', 'rogue', 'other-ca', 'clientAuth');
  return {
    dir,
    caFile: file('test-ca.pem'),
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    clients,
    untrusted,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
