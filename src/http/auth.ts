import { timingSafeEqual } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
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
  return isLoopback(remoteAddress) || hasValidCredentials(config, authorization);
}

/** `Authorization` carries the configured API key or basic-auth pair. */
export function hasValidCredentials(config: HttpConfig, authorization: string | undefined): boolean {
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

/** The host part of a Host header (`name`, `name:port`, `[v6]:port`), lower case. */
function hostOf(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']'));
  const colon = text.lastIndexOf(':');
  return colon === -1 || text.indexOf(':') !== colon ? text : text.slice(0, colon);
}

/**
 * DNS rebinding guard for the unauthenticated loopback path: a page from
 * another site whose name resolves to 127.0.0.1 would reach us with its own
 * name in Host. Loopback requests without credentials must name the
 * machine itself: `localhost` or an IP literal.
 */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = hostOf(host);
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0;
}

/**
 * CSRF guard: a browser sends Origin with every cross-origin POST / DELETE
 * (Fetch standard), and would attach cached basic-auth credentials to it.
 * A state-changing request whose Origin is not this listener's own is refused.
 */
export function isCrossOriginWrite(method: string, origin: string | undefined, host: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  if (origin === undefined) return false; // not a browser, or a same-origin navigation
  if (host === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() !== host.trim().toLowerCase();
  } catch {
    return true;
  }
}
