import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedUdpEndpoint } from '../../../src/transport/batched-udp.js';
import { openUdpEndpoint, type UdpIo, type UdpSocketEndpoint } from '../../../src/transport/open-udp.js';
import type { DatagramHandler } from '../../../src/transport/types.js';
import { UdpEndpoint } from '../../../src/transport/udp.js';

/** Both socket implementations must behave the same way towards the gateways. */
describe.each<UdpIo>(['batched', 'dgram'])('UDP listener socket, io %s', (io) => {
  const endpoints: UdpSocketEndpoint[] = [];
  const peers: Socket[] = [];
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
    await Promise.all(peers.splice(0).map((p) => new Promise<void>((resolve) => p.close(() => resolve()))));
  });

  async function open(host: string, onDatagram: DatagramHandler): Promise<UdpSocketEndpoint> {
    const endpoint = await openUdpEndpoint({ bind: { host, port: 0 } }, onDatagram, io);
    endpoints.push(endpoint);
    return endpoint;
  }

  async function peer(type: 'udp4' | 'udp6' = 'udp4', host = '127.0.0.1'): Promise<Socket> {
    const socket = createSocket(type);
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    peers.push(socket);
    return socket;
  }

  function collect(socket: Socket, count: number): Promise<Buffer[]> {
    const got: Buffer[] = [];
    return new Promise((resolve) =>
      socket.on('message', (msg) => {
        got.push(msg);
        if (got.length === count) resolve(got);
      }),
    );
  }

  it('is the implementation the setting names', async () => {
    const endpoint = await open('127.0.0.1', () => undefined);
    expect(endpoint).toBeInstanceOf(io === 'batched' ? BatchedUdpEndpoint : UdpEndpoint);
    expect(endpoint.kind).toBe('udp');
  });

  it('answers a peer from the bound port, with the peer address as node:dgram reports it', async () => {
    const seen: [string, string, number][] = [];
    const endpoint = await open('127.0.0.1', (msg, address, port) => {
      seen.push([msg.toString(), address, port]);
      endpoint.send(Buffer.from(`echo:${msg.toString()}`), port, address);
    });
    const client = await peer();
    const reply = new Promise<[string, number]>((resolve) => client.once('message', (msg, rinfo) => resolve([msg.toString(), rinfo.port])));
    client.send('ping', endpoint.address.port, '127.0.0.1');
    expect(await reply).toEqual(['echo:ping', endpoint.address.port]);
    expect(seen).toEqual([['ping', '127.0.0.1', client.address().port]]);
    expect(endpoint.counters).toMatchObject({ datagramsIn: 1, datagramsOut: 1, bytesIn: 4, bytesOut: 9 });
  });

  it('hands over every datagram of a burst as its own buffer, in order per peer, that stays intact', async () => {
    const kept: { address: string; port: number; msg: Buffer }[] = [];
    const endpoint = await open('127.0.0.1', (msg, address, port) => kept.push({ address, port, msg }));
    const senders = await Promise.all([peer(), peer(), peer(), peer()]);
    const perSender = 150;
    // Rounds of 100 datagrams, each sent at once: many per read, yet within the default socket buffer.
    for (let round = 0; round < perSender; round += 25) {
      for (let i = round; i < round + 25; i++) {
        for (const [s, socket] of senders.entries()) socket.send(`${s}:${i}:${'x'.repeat(i % 50)}`, endpoint.address.port, '127.0.0.1');
      }
      await expect.poll(() => kept.length, { timeout: 5000 }).toBe((round + 25) * senders.length);
    }
    for (const [s, socket] of senders.entries()) {
      const mine = kept.filter((k) => k.port === socket.address().port);
      expect(mine.map((k) => k.msg.toString())).toEqual(Array.from({ length: perSender }, (_, i) => `${s}:${i}:${'x'.repeat(i % 50)}`));
      expect(new Set(mine.map((k) => k.address))).toEqual(new Set(['127.0.0.1']));
    }
    // Later datagrams did not overwrite earlier ones: each buffer is exactly its datagram.
    for (const k of kept) expect(k.msg.length).toBe(k.msg.toString().length);
  });

  it('delivers every reply when hundreds are sent to many peers within one turn', async () => {
    const endpoint = await open('127.0.0.1', () => undefined);
    const receivers = await Promise.all(Array.from({ length: 10 }, () => peer()));
    const perReceiver = 70; // 700 in one turn: more than one send batch
    const arrivals = receivers.map((r) => collect(r, perReceiver));
    for (let i = 0; i < perReceiver; i++) {
      for (const r of receivers) endpoint.send(Buffer.from(`r${i}`), r.address().port, '127.0.0.1');
    }
    const got = await Promise.all(arrivals);
    for (const messages of got) expect(messages.map((m) => m.toString())).toEqual(Array.from({ length: perReceiver }, (_, i) => `r${i}`));
    expect(endpoint.sendErrors).toBe(0);
  });

  it('drops and counts a datagram the kernel refuses; those queued after it still go out', async () => {
    const endpoint = await open('127.0.0.1', () => undefined);
    const receiver = await peer();
    const arrived = collect(receiver, 2);
    endpoint.send(Buffer.from('before'), receiver.address().port, '127.0.0.1');
    // Broadcast without SO_BROADCAST: the kernel refuses it (EACCES) before anything leaves the host.
    endpoint.send(Buffer.from('refused'), 9, '255.255.255.255');
    endpoint.send(Buffer.from('after'), receiver.address().port, '127.0.0.1');
    expect((await arrived).map((m) => m.toString())).toEqual(['before', 'after']);
    await expect.poll(() => endpoint.sendErrors, { timeout: 2000 }).toBe(1);
  });

  it('carries a datagram of 60,000 bytes both ways', async () => {
    const big = Buffer.alloc(60_000, 0x5a);
    big.writeUInt32BE(0xdeadbeef, 59_996);
    const endpoint = await open('127.0.0.1', (msg, address, port) => endpoint.send(msg, port, address));
    const client = await peer();
    const back = collect(client, 1);
    client.send(big, endpoint.address.port, '127.0.0.1');
    const [echo] = await back;
    expect(echo.equals(big)).toBe(true);
  });

  it('serves IPv4 peers on a dual-stack [::] socket as ::ffff: addresses, and IPv6 peers', async () => {
    const seen: string[] = [];
    const endpoint = await open('::', (msg, address, port) => {
      seen.push(address);
      endpoint.send(msg, port, address);
    });
    const v4 = await peer('udp4');
    const v6 = await peer('udp6', '::1');
    const v4Back = collect(v4, 1);
    const v6Back = collect(v6, 1);
    v4.send('four', endpoint.address.port, '127.0.0.1');
    v6.send('six', endpoint.address.port, '::1');
    expect((await v4Back)[0]?.toString()).toBe('four');
    expect((await v6Back)[0]?.toString()).toBe('six');
    expect(seen.sort()).toEqual(['::1', '::ffff:127.0.0.1']);
  });

  it('sends to an IPv6 address with a zone (interface) as node:dgram does', async () => {
    const endpoint = await open('::', () => undefined);
    const receiver = await peer('udp6', '::1');
    const arrived = collect(receiver, 2);
    // RFC 4007 §11: "address%zone"; the zone is an interface name or index (lo is index 1).
    endpoint.send(Buffer.from('by-name'), receiver.address().port, '::1%lo');
    endpoint.send(Buffer.from('by-index'), receiver.address().port, '::1%1');
    expect((await arrived).map((m) => m.toString())).toEqual(['by-name', 'by-index']);
    expect(endpoint.sendErrors).toBe(0);
  });

  it('binds a host name where it resolves (localhost)', async () => {
    const seen: string[] = [];
    const endpoint = await open('localhost', (msg) => seen.push(msg.toString()));
    expect(endpoint.address.host).toBe('127.0.0.1');
    const client = await peer();
    client.send('named', endpoint.address.port, '127.0.0.1');
    await expect.poll(() => seen, { timeout: 2000 }).toEqual(['named']);
  });

  it('fails to bind a port in use with EADDRINUSE', async () => {
    const first = await open('127.0.0.1', () => undefined);
    await expect(openUdpEndpoint({ bind: { host: '127.0.0.1', port: first.address.port } }, () => undefined, io)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('counts a send to an address that is not an IP literal of its family as a send error, and ignores sends after close', async () => {
    const endpoint = await open('127.0.0.1', () => undefined);
    if (io === 'batched') {
      endpoint.send(Buffer.from('x'), 9, 'not-an-address');
      expect(endpoint.sendErrors).toBe(1);
    }
    await endpoint.close();
    expect(() => endpoint.send(Buffer.from('x'), 9, '127.0.0.1')).not.toThrow();
    await endpoint.close();
  });

  it('can be closed from inside its datagram handler', async () => {
    let calls = 0;
    const endpoint = await open('127.0.0.1', () => {
      calls += 1;
      void endpoint.close();
    });
    const client = await peer();
    const port = endpoint.address.port;
    for (let i = 0; i < 20; i++) client.send(`m${i}`, port, '127.0.0.1');
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThan(0);
    client.send('after', port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing is handed over once close() ran, not even the rest of the batch being delivered.
    expect(calls).toBe(1);
  });
});
