import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthorized, isCrossOriginWrite, isLocalHostHeader, isLoopback } from '../../../src/http/auth.js';
import { startGatewayUnderTest, type GatewayUnderTest } from './running-gateway.js';

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const config = { bind: '', api_key: 'k3y-secret', username: 'admin', password: 'p@ss', command_timeout: 1000 };

describe('HTTP authentication: loopback served, everyone else needs the API key or basic auth', () => {
  it('isLoopback covers 127/8, ::1 and IPv4-mapped loopback only', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::', 'fe80::1', '128.0.0.1', undefined]) expect(isLoopback(a)).toBe(false);
  });

  it('checks Bearer and Basic credentials', () => {
    expect(isAuthorized(config, '10.0.0.1', undefined)).toBe(false);
    expect(isAuthorized(config, '10.0.0.1', 'Bearer k3y-secret')).toBe(true);
    expect(isAuthorized(config, '10.0.0.1', 'bearer k3y-secret')).toBe(true);
    expect(isAuthorized(config, '10.0.0.1', 'Bearer k3y-secreT')).toBe(false);
    expect(isAuthorized(config, '10.0.0.1', basic('admin', 'p@ss'))).toBe(true);
    expect(isAuthorized(config, '10.0.0.1', basic('admin', 'p@s'))).toBe(false);
    expect(isAuthorized(config, '10.0.0.1', basic('root', 'p@ss'))).toBe(false);
    expect(isAuthorized({ ...config, api_key: '' }, '10.0.0.1', 'Bearer ')).toBe(false);
    expect(isAuthorized({ ...config, username: '', password: '' }, '10.0.0.1', basic('', ''))).toBe(false);
    expect(isAuthorized({ ...config, api_key: '', username: '' }, '10.0.0.1', 'Bearer anything')).toBe(false);
  });

  it('recognises hosts that name the machine, and cross-origin writes', () => {
    for (const h of ['localhost', 'localhost:18083', '127.0.0.1:18083', '[::1]:18083', '10.1.2.3', 'app.localhost:1']) expect(isLocalHostHeader(h)).toBe(true);
    for (const h of ['evil.example', 'evil.example:18083', '127.0.0.1.nip.io', undefined]) expect(isLocalHostHeader(h)).toBe(false);
    expect(isCrossOriginWrite('POST', 'http://evil.example', '127.0.0.1:18083')).toBe(true);
    expect(isCrossOriginWrite('DELETE', 'null', '127.0.0.1:18083')).toBe(true);
    expect(isCrossOriginWrite('POST', 'http://127.0.0.1:18083', '127.0.0.1:18083')).toBe(false);
    expect(isCrossOriginWrite('POST', undefined, '127.0.0.1:18083')).toBe(false);
    expect(isCrossOriginWrite('GET', 'http://evil.example', '127.0.0.1:18083')).toBe(false);
  });

  describe('on the running listener (requests injected with a remote address)', () => {
    let g: GatewayUnderTest;
    beforeAll(async () => {
      g = await startGatewayUnderTest({ http: { api_key: 'k3y-secret', username: 'admin', password: 'p@ss' } });
    });
    afterAll(async () => {
      await g?.close();
    });

    const inject = (url: string, remoteAddress: string, authorization?: string) =>
      g.gateway.http?.app.inject({ method: 'GET', url, remoteAddress, headers: authorization === undefined ? {} : { authorization } });

    it('every path refuses an unauthenticated remote client, with a Basic challenge', async () => {
      for (const url of ['/', '/metrics', '/health', '/ready', '/api/v5/gateways', '/api/v5/openapi.json', '/api/v5/events', '/dashboard/app.js', '/nothing']) {
        const res = await inject(url, '192.0.2.10');
        expect(res?.statusCode, url).toBe(401);
        expect(res?.headers['www-authenticate']).toMatch(/^Basic realm=/);
        expect(res?.json()).toMatchObject({ code: 'BAD_USERNAME_OR_PWD' });
      }
    });

    it('serves a remote client with the API key or basic auth, and loopback without', async () => {
      expect((await inject('/api/v5/gateways', '192.0.2.10', 'Bearer k3y-secret'))?.statusCode).toBe(200);
      expect((await inject('/metrics', '2001:db8::1', basic('admin', 'p@ss')))?.statusCode).toBe(200);
      expect((await inject('/api/v5/gateways', '192.0.2.10', 'Bearer wrong'))?.statusCode).toBe(401);
      expect((await fetch(`${g.base}/api/v5/gateways`)).status).toBe(200);
    });

    it('refuses DNS rebinding (a foreign Host on loopback) and cross-origin writes (CSRF)', async () => {
      const rebound = await g.gateway.http?.app.inject({
        method: 'GET',
        url: '/api/v5/gateways',
        remoteAddress: '127.0.0.1',
        headers: { host: 'evil.example:18083' },
      });
      expect(rebound?.statusCode).toBe(403);
      const withJunk = await g.gateway.http?.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '127.0.0.1',
        headers: { host: 'evil.example', authorization: 'Bearer junk' },
      });
      expect(withJunk?.statusCode).toBe(403);
      const keyed = await g.gateway.http?.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '127.0.0.1',
        headers: { host: 'gw.example', authorization: 'Bearer k3y-secret' },
      });
      expect(keyed?.statusCode).toBe(200);
      const host = new URL(g.base).host;
      const csrf = await fetch(`${g.base}/api/v5/gateways/mqttsn/clients/someone`, { method: 'DELETE', headers: { origin: 'http://evil.example' } });
      expect(csrf.status).toBe(403);
      const csrfKeyed = await fetch(`${g.base}/api/v5/gateways/mqttsn/predefined/5`, {
        method: 'DELETE',
        headers: { origin: 'http://evil.example', authorization: 'Bearer k3y-secret' },
      });
      expect(csrfKeyed.status).toBe(403);
      const sameOrigin = await fetch(`${g.base}/api/v5/gateways/mqttsn/clients/someone`, { method: 'DELETE', headers: { origin: `http://${host}` } });
      expect(sameOrigin.status).toBe(404); // reached the route: no such client
    });
  });
});
