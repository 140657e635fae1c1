import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { DtlsClient } from '../../../src/transport/dtls/dtls-client.js';
import { DtlsEndpoint } from '../../../src/transport/dtls/dtls-endpoint.js';

/** A full DTLS listener lets a new device in by dropping the session heard from least recently, once it is stale. */
describe('DTLS listener at max_connections', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const key = Buffer.from('0102030405', 'hex');
  const listener = async (staleSessionMs: number): Promise<DtlsEndpoint> => {
    const endpoint: DtlsEndpoint = await DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'test',
        logger: silentLogger(),
        maxConnections: 2,
        maxHandshakes: 10,
        handshakeTimeoutMs: 5000,
        handshakeRatePerSource: 0,
        staleSessionMs,
        credentials: { ciphers: 'PSK-AES128-CCM8', verifyPeer: false, failIfNoPeerCert: false, pskLookup: (id) => (id.startsWith('dev-') ? key : undefined) },
      },
      (msg, address, port) => endpoint.send(msg, port, address),
    );
    cleanups.push(() => endpoint.close());
    return endpoint;
  };

  const connect = async (endpoint: DtlsEndpoint, identity: string): Promise<DtlsClient> => {
    const client = await DtlsClient.connect({ host: '127.0.0.1', port: endpoint.address.port, pskIdentity: identity, pskKey: key, handshakeTimeoutMs: 1500 });
    cleanups.push(() => client.close());
    return client;
  };

  /** Sends one datagram and waits for its echo: the peer is heard from now. */
  const ping = async (client: DtlsClient): Promise<void> => {
    const echoed = new Promise<void>((resolve) => {
      client.onDatagram = () => resolve();
    });
    client.send(Buffer.from('ping'));
    await echoed;
  };

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  it('drops the session quiet for longer than the threshold, the least recently heard first', async () => {
    const endpoint = await listener(300);
    const first = await connect(endpoint, 'dev-1');
    const second = await connect(endpoint, 'dev-2');
    const secondPort = second.localPort; // its socket closes when the listener's close_notify arrives
    await sleep(400);
    await ping(first); // dev-1 heard from again: dev-2 is now the least recently heard
    const third = await connect(endpoint, 'dev-3');
    await ping(third);
    expect(endpoint.stats.staleEvictions).toBe(1);
    expect(endpoint.sessionCount).toBe(2);
    expect(endpoint.securityOf('127.0.0.1', secondPort)).toBeUndefined();
    expect(endpoint.securityOf('127.0.0.1', first.localPort)).toMatchObject({ identity: 'dev-1' });
    expect(endpoint.securityOf('127.0.0.1', third.localPort)).toMatchObject({ identity: 'dev-3' });
  });

  it('refuses a new device while every session was heard from within the threshold', async () => {
    const endpoint = await listener(60_000);
    await connect(endpoint, 'dev-1');
    await connect(endpoint, 'dev-2');
    await expect(connect(endpoint, 'dev-3')).rejects.toThrow();
    expect(endpoint.stats.overCapacity).toBeGreaterThanOrEqual(1);
    expect(endpoint.stats.staleEvictions).toBe(0);
    expect(endpoint.sessionCount).toBe(2);
  });
});
