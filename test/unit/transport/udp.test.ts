import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBind, peerKey } from '../../../src/transport/bind.js';
import { UdpEndpoint } from '../../../src/transport/udp.js';

describe('parseBind', () => {
  it.each([
    ['1884', { host: '0.0.0.0', port: 1884 }],
    [1884, { host: '0.0.0.0', port: 1884 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::]:1884', { host: '::', port: 1884 }],
    ['[::1]:5683', { host: '::1', port: 5683 }],
    [':::1884', { host: '::', port: 1884 }],
    ['localhost:1883', { host: 'localhost', port: 1883 }],
  ])('accepts %s', (input, expected) => {
    expect(parseBind(input)).toEqual(expected);
  });

  it.each(['', 'x', '1.2.3.4:', ':1884', '1.2.3.4:65536', '[zz]:1', 'a:b:c:1', '1.2.3.4:-1'])('rejects %j', (input) => {
    expect(parseBind(input)).toBeUndefined();
  });

  it('keys peers by address and port', () => {
    expect(peerKey('10.0.0.1', 5)).not.toBe(peerKey('10.0.0.1', 6));
    expect(peerKey('::1', 5)).toBe('::1|5');
  });
});

describe('UdpEndpoint', () => {
  const open: UdpEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
  });

  it('receives datagrams through the callback and sends replies from the bound port', async () => {
    const seen: string[] = [];
    const endpoint: UdpEndpoint = await UdpEndpoint.open({ bind: { host: '127.0.0.1', port: 0 } }, (msg, address, port) => {
      seen.push(msg.toString());
      endpoint?.send(Buffer.from(`echo:${msg.toString()}`), port, address);
    });
    open.push(endpoint);
    const { port } = endpoint.address;
    expect(port).toBeGreaterThan(0);

    const peer = createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const reply = new Promise<{ text: string; from: number }>((resolve) =>
      peer.once('message', (msg, rinfo) => resolve({ text: msg.toString(), from: rinfo.port })),
    );
    peer.send('ping', port, '127.0.0.1');
    expect(await reply).toEqual({ text: 'echo:ping', from: port });
    expect(seen).toEqual(['ping']);
    await new Promise<void>((resolve) => peer.close(() => resolve()));
  });

  it('reports a receive buffer the kernel capped below the request, and none when it was granted', async () => {
    const small = await UdpEndpoint.open({ bind: { host: '127.0.0.1', port: 0 }, recvBufferSize: 64 * 1024 }, () => undefined);
    open.push(small);
    expect(small.bufferShortfall).toBeUndefined();

    const huge = 1024 * 1024 * 1024;
    const big = await UdpEndpoint.open({ bind: { host: '127.0.0.1', port: 0 }, recvBufferSize: huge }, () => undefined);
    open.push(big);
    const shortfall = big.bufferShortfall;
    // No machine here allows a 1 GiB socket buffer by default; if one does, there is nothing to report.
    if (shortfall !== undefined) {
      expect(shortfall.requested).toBe(huge);
      expect(shortfall.granted).toBeLessThan(huge);
      expect(shortfall.hint).toContain('net.core.rmem_max');
    } else {
      expect(big.rawSocket.getRecvBufferSize()).toBeGreaterThanOrEqual(huge);
    }
  });

  it('ignores sends after close instead of throwing', async () => {
    const endpoint = await UdpEndpoint.open({ bind: { host: '127.0.0.1', port: 0 } }, () => undefined);
    await endpoint.close();
    expect(() => endpoint.send(Buffer.from('x'), 9, '127.0.0.1')).not.toThrow();
    await endpoint.close();
  });
});
