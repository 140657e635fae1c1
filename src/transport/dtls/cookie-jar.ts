import { createHmac, randomBytes } from 'node:crypto';

const COOKIE_BYTES = 16;

/**
 * RFC 6347 §4.2.1: a stateless cookie, HMAC(secret, client address), with a
 * secret that rotates; a cookie made with the previous secret still passes,
 * so a rotation never fails a handshake in progress.
 */
export class CookieJar {
  readonly #rotateMs: number;
  #secret = randomBytes(32);
  #previous: Buffer | undefined;
  #rotatedAt: number;

  constructor(rotateMs = 60_000, now = Date.now()) {
    this.#rotateMs = rotateMs;
    this.#rotatedAt = now;
  }

  /** [current, previous] cookies for this address. */
  cookies(address: string, port: number, now = Date.now()): [Buffer, Buffer | null] {
    if (now - this.#rotatedAt >= this.#rotateMs) {
      this.#previous = this.#secret;
      this.#secret = randomBytes(32);
      this.#rotatedAt = now;
    }
    const current = cookieFor(this.#secret, address, port);
    return [current, this.#previous === undefined ? null : cookieFor(this.#previous, address, port)];
  }
}

function cookieFor(secret: Buffer, address: string, port: number): Buffer {
  return createHmac('sha256', secret).update(`${address}|${port}`).digest().subarray(0, COOKIE_BYTES);
}
