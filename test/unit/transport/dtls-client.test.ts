import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { DtlsClient, DtlsClientError } from '../../../src/transport/dtls/dtls-client.js';
import { DtlsEndpoint } from '../../../src/transport/dtls/dtls-endpoint.js';

/** The addon's client mode against the gateway's own DTLS listener, over loopback. */
describe('DtlsClient (PSK)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const keys = new Map([['dev-1', Buffer.from('0102030405', 'hex')]]);
  const server = async (ciphers = 'PSK-AES128-CCM8'): Promise<{ endpoint: DtlsEndpoint; received: { msg: Buffer; port: number }[] }> => {
    const received: { msg: Buffer; port: number }[] = [];
    const endpoint = await DtlsEndpoint.open(
      {
        bind: { host: '127.0.0.1', port: 0 },
        name: 'test',
        logger: silentLogger(),
        maxConnections: 10,
        maxHandshakes: 10,
        handshakeTimeoutMs: 5000,
        handshakeRatePerSource: 0,
        credentials: { ciphers, verifyPeer: false, failIfNoPeerCert: false, pskLookup: (id) => keys.get(id) },
      },
      (msg, address, port) => {
        received.push({ msg, port });
        endpoint.send(Buffer.concat([Buffer.from('echo:'), msg]), port, address);
      },
    );
    cleanups.push(() => endpoint.close());
    return { endpoint, received };
  };

  const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('completes a PSK handshake and carries datagrams both ways', async () => {
    const { endpoint, received } = await server();
    const client = await DtlsClient.connect({ host: '127.0.0.1', port: endpoint.address.port, pskIdentity: 'dev-1', pskKey: Buffer.from('0102030405', 'hex') });
    cleanups.push(() => client.close());
    const replies: Buffer[] = [];
    client.onDatagram = (data) => replies.push(data);
    client.send(Buffer.from('hello'));
    await until(() => replies.length === 1);
    expect(replies[0]?.toString()).toBe('echo:hello');
    expect(received[0]?.msg.toString()).toBe('hello');
    expect(endpoint.securityOf('127.0.0.1', client.localPort)).toMatchObject({ mode: 'psk', identity: 'dev-1' });
    expect(endpoint.lastCipher).toBe('PSK-AES128-CCM8');
    await client.close();
    // close_notify ends the server's session.
    await until(() => endpoint.sessionCount === 0);
  });

  it('retransmits its flight when a datagram is lost (RFC 6347 §4.2.4)', async () => {
    const { endpoint } = await server('PSK-AES128-CBC-SHA256');
    // A relay that loses the client's first datagram.
    const relay: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => relay.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    let clientPort = 0;
    let fromClient = 0;
    relay.on('message', (msg, from) => {
      if (from.port === endpoint.address.port) relay.send(msg, clientPort, '127.0.0.1');
      else {
        clientPort = from.port;
        fromClient += 1;
        if (fromClient > 1) relay.send(msg, endpoint.address.port, '127.0.0.1');
      }
    });
    const client = await DtlsClient.connect({ host: '127.0.0.1', port: relay.address().port, pskIdentity: 'dev-1', pskKey: Buffer.from('0102030405', 'hex') });
    cleanups.push(() => client.close());
    expect(client.established).toBe(true);
    expect(fromClient).toBeGreaterThan(2);
    expect(endpoint.lastCipher).toBe('PSK-AES128-CBC-SHA256');
  });

  it('fails with the alert when the server does not know the identity', async () => {
    const { endpoint } = await server();
    const attempt = DtlsClient.connect({ host: '127.0.0.1', port: endpoint.address.port, pskIdentity: 'nobody', pskKey: Buffer.from('x') });
    await expect(attempt).rejects.toBeInstanceOf(DtlsClientError);
    await expect(attempt).rejects.toThrow(/failed: .*unknown psk identity/);
  });

  it('fails within the handshake timeout when the key is wrong', async () => {
    const { endpoint } = await server();
    const attempt = DtlsClient.connect({
      host: '127.0.0.1',
      port: endpoint.address.port,
      pskIdentity: 'dev-1',
      pskKey: Buffer.from('wrong'),
      handshakeTimeoutMs: 1500,
    });
    await expect(attempt).rejects.toThrow(/DTLS handshake with 127\.0\.0\.1:\d+ (failed|not complete)/);
    expect(endpoint.stats.handshakesCompleted).toBe(0);
  });

  it('refuses options the engine cannot use', async () => {
    await expect(DtlsClient.connect({ host: '127.0.0.1', port: 9, pskIdentity: 'dev-1', pskKey: Buffer.alloc(0) })).rejects.toThrow(/pskKey/);
  });
});
