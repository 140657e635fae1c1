import { execFile } from 'node:child_process';

/** Debian libcoap3-bin builds: PSK and PKI with OpenSSL, PSK/PKI/RPK with GnuTLS. */
export type CoapClientBuild = 'coap-client-openssl' | 'coap-client-gnutls';

export interface CoapClientResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Whether a libcoap client binary runs here. */
export async function hasCoapClient(build: CoapClientBuild): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(build, ['-h'], (err) => resolve(err === null || (err as { code?: unknown }).code !== 'ENOENT'));
  });
}

/**
 * Runs one libcoap client request (an independent DTLS and CoAP
 * implementation) and returns what it printed; `-B` bounds how long it waits.
 */
export function coapClient(build: CoapClientBuild, args: readonly string[], waitSeconds = 5): Promise<CoapClientResult> {
  return new Promise((resolve) => {
    execFile(build, ['-B', String(waitSeconds), ...args], { timeout: (waitSeconds + 10) * 1000 }, (_err, stdout, stderr) => {
      resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `-u identity -k key` POST /rd?ep=... (a Register) with one object link. */
export function registerArgs(port: number, endpoint: string, psk: { identity: string; key: string } | undefined): string[] {
  const auth = psk === undefined ? [] : ['-u', psk.identity, '-k', psk.key];
  return [...auth, '-m', 'post', '-e', '</3/0>', `coaps://127.0.0.1:${port}/rd?ep=${encodeURIComponent(endpoint)}&lt=60&lwm2m=1.0`];
}
