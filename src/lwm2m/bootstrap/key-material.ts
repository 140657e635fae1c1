import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Largest PSK accepted (mbed TLS MBEDTLS_PSK_MAX_LEN is 32 by default; OpenSSL allows 256). */
const MAX_PSK_BYTES = 64;

/** Reports a problem with the value as written (a path, never key material). */
type Problem = (value: unknown, reason: string) => void;

/** `0x` + hex digits = those bytes; anything else = its UTF-8 bytes (EMQX psk_authentication convention). */
export function parsePskKey(value: unknown): Buffer | string {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty string: "0x" + hex digits, or text (its UTF-8 bytes)';
  let key: Buffer;
  if (/^0x/i.test(value)) {
    const hex = value.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return 'hex key ("0x...") must have an even number of hex digits';
    key = Buffer.from(hex, 'hex');
  } else {
    key = Buffer.from(value, 'utf8');
  }
  if (key.length > MAX_PSK_BYTES) return `key is longer than ${MAX_PSK_BYTES} bytes`;
  return key;
}

async function readFileAt(path: unknown, baseDir: string, problem: Problem): Promise<Buffer | undefined> {
  if (typeof path !== 'string' || path === '') {
    problem(path, 'required with security_mode "x509": path of a PEM or DER file');
    return undefined;
  }
  try {
    return await readFile(resolve(baseDir, path));
  } catch (err) {
    problem(path, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** A certificate file (PEM or DER) as DER, the form /0/x/3 and /0/x/4 carry. */
export async function readCertificate(path: unknown, baseDir: string, problem: Problem): Promise<Buffer | undefined> {
  const bytes = await readFileAt(path, baseDir, problem);
  if (bytes === undefined) return undefined;
  try {
    return new X509Certificate(bytes).raw;
  } catch {
    problem(path, 'not an X.509 certificate (PEM or DER)');
    return undefined;
  }
}

/** A private key file (PEM or DER) as PKCS#8 DER, the form /0/x/5 carries for X.509. */
export async function readPrivateKey(path: unknown, baseDir: string, problem: Problem): Promise<Buffer | undefined> {
  const bytes = await readFileAt(path, baseDir, problem);
  if (bytes === undefined) return undefined;
  const pem = bytes.toString('latin1').includes('-----BEGIN');
  try {
    const key = pem ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
    return key.export({ format: 'der', type: 'pkcs8' });
  } catch {
    problem(path, 'not a private key (PEM, or PKCS#8 DER)');
    return undefined;
  }
}
