import { timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { HttpConfig } from '../config/types.js';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: the same machine. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether any credential is configured. */
export function hasCredentials(config: HttpConfig): boolean {
  return config.api_key !== '' || config.username !== '';
}

/**
 * Requests from loopback are served as they are. Any other request needs
 * `Authorization: Bearer <http.api_key>` (RFC 6750 §2.1) or
 * `Authorization: Basic` with http.username / http.password (RFC 7617);
 * with neither configured nothing is served off loopback.
 */
export function isAuthorized(config: HttpConfig, remoteAddress: string | undefined, authorization: string | undefined): boolean {
  if (isLoopback(remoteAddress)) return true;
  if (authorization === undefined) return false;
  const space = authorization.indexOf(' ');
  if (space <= 0) return false;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return config.api_key !== '' && sameSecret(value, config.api_key);
  if (scheme === 'basic' && config.username !== '') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Both compared, so the time taken does not tell which one was wrong.
    const userOk = sameSecret(decoded.slice(0, colon), config.username);
    const passOk = sameSecret(decoded.slice(colon + 1), config.password);
    return userOk && passOk;
  }
  return false;
}
