import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { openSslCipherList } from '../../../src/transport/dtls/cipher-names.js';
import { CookieJar } from '../../../src/transport/dtls/cookie-jar.js';
import { isClientHello, packRecords } from '../../../src/transport/dtls/records.js';
import { SourceRateLimit } from '../../../src/transport/source-rate.js';
import { listenerSpecs, openListeners } from '../../../src/transport/listeners.js';
import { MemoryNetwork } from '../../../src/transport/memory.js';
import { clientHello } from '../../helpers/dtls-hello.js';

const record = (length: number): Buffer => {
  const r = Buffer.alloc(13 + length);
  r[0] = 23;
  r.writeUInt16BE(length, 11);
  return r;
};

describe('DTLS record packing', () => {
  it('packs whole records into datagrams up to the MTU, never splitting one', () => {
    const data = Buffer.concat([record(500), record(500), record(500), record(2000)]);
    const datagrams = packRecords(data, 1200);
    expect(datagrams.map((d) => d.length)).toEqual([1026, 513, 2013]);
    expect(Buffer.concat(datagrams)).toEqual(data);
  });

  it('recognises an epoch-0 ClientHello only', () => {
    expect(isClientHello(clientHello())).toBe(true);
    const epoch1 = clientHello();
    epoch1.writeUInt16BE(1, 3);
    expect(isClientHello(epoch1)).toBe(false);
    expect(isClientHello(Buffer.from('hello'))).toBe(false);
  });
});

describe('DTLS helpers', () => {
  it('cookies depend on the address and survive one secret rotation', () => {
    const jar = new CookieJar(1000, 0);
    const [a] = jar.cookies('10.0.0.1', 1, 0);
    const [b] = jar.cookies('10.0.0.1', 2, 0);
    expect(a.equals(b)).toBe(false);
    const [fresh, previous] = jar.cookies('10.0.0.1', 1, 1500);
    expect(previous?.equals(a)).toBe(true);
    expect(fresh.equals(a)).toBe(false);
  });

  it('limits handshakes per source IP with a burst', () => {
    const limit = new SourceRateLimit(1, 2);
    expect([limit.take('a', 0), limit.take('a', 0), limit.take('a', 0)]).toEqual([true, true, false]);
    expect(limit.take('b', 0)).toBe(true);
    expect(limit.take('a', 1000)).toBe(true);
  });

  it('maps IANA suite names to OpenSSL names', () => {
    expect(openSslCipherList('TLS_PSK_WITH_AES_128_CCM_8, PSK-AES128-CBC-SHA256:ECDHE-ECDSA-AES128-CCM8')).toBe(
      'PSK-AES128-CCM8:PSK-AES128-CBC-SHA256:ECDHE-ECDSA-AES128-CCM8',
    );
  });
});

describe('listener opening', () => {
  it('names the key of a bad bind, opens plain listeners before DTLS ones, and delivers through the in-memory network', async () => {
    const bad = resolveConfig({}).lwm2m.listeners;
    expect(() => listenerSpecs('lwm2m', { ...bad, udp: { x: { ...(bad.udp['default'] as NonNullable<(typeof bad.udp)['default']>), bind: 'nope' } } })).toThrow(
      ConfigError,
    );
    const listeners = resolveConfig({ mqttsn: { listeners: { udp: { a: { bind: '127.0.0.1:0' } }, dtls: { b: { bind: '127.0.0.1:0' } } } } }).mqttsn.listeners;
    const specs = listenerSpecs('mqttsn', listeners);
    expect(specs.map((s) => `${s.kind}:${s.key}`)).toEqual(['udp:mqttsn.listeners.udp.a', 'dtls:mqttsn.listeners.dtls.b']);
    const network = new MemoryNetwork();
    const seen: string[] = [];
    const opened = await openListeners(specs, { logger: silentLogger(), open: network.opener() }, (index, msg, address) =>
      seen.push(`${index}:${msg.toString()}:${address}`),
    );
    const peer = network.bind({ host: '127.0.0.2', port: 0 }, () => undefined);
    peer.send(Buffer.from('x'), opened[1]?.transport.address.port ?? 0, '127.0.0.1');
    await vi.waitFor(() => expect(seen).toEqual(['1:x:127.0.0.2']));
    peer.send(Buffer.from('y'), 9, '127.0.0.9');
    expect(network.undeliverable).toBe(1);
    await Promise.all(opened.map((o) => o.transport.close()));
  });

  it('closes what it opened when a later listener fails', async () => {
    const listeners = resolveConfig({ lwm2m: { listeners: { udp: { a: { bind: '127.0.0.1:7000' }, b: { bind: '127.0.0.1:7001' } } } } }).lwm2m.listeners;
    const network = new MemoryNetwork();
    network.bind({ host: '127.0.0.1', port: 7001 }, () => undefined);
    await expect(openListeners(listenerSpecs('lwm2m', listeners), { logger: silentLogger(), open: network.opener() }, () => undefined)).rejects.toThrow(
      /in use/,
    );
    // 7000 was released again: binding it works.
    expect(() => network.bind({ host: '127.0.0.1', port: 7000 }, () => undefined)).not.toThrow();
  });

  it('reports an unusable certificate as a config problem of that listener', async () => {
    const listeners = resolveConfig({
      lwm2m: { listeners: { udp: {}, dtls: { s: { bind: '127.0.0.1:0', dtls_options: { certfile: '/nonexistent.pem', keyfile: '/nonexistent.key' } } } } },
    }).lwm2m.listeners;
    const failure = openListeners(listenerSpecs('lwm2m', listeners), { logger: silentLogger() }, () => undefined);
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/lwm2m\.listeners\.dtls\.s\.dtls_options/);
  });
});
