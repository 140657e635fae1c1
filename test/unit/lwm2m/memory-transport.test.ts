import { connectAsync } from 'mqtt';
import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { CoapOption, decodeMessage, encodeMessage, type CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { PskStore } from '../../../src/security/psk-store.js';
import { MemoryNetwork, type MemoryTransport } from '../../../src/transport/memory.js';
import { startTestUpstream } from '../../helpers/upstream.js';

const register = (ep: string, mid: number): Buffer =>
  encodeMessage({
    type: 'CON',
    code: '0.02',
    messageId: mid,
    token: Buffer.from([mid]),
    options: [
      { number: CoapOption.URI_PATH, value: Buffer.from('rd') },
      { number: CoapOption.URI_QUERY, value: Buffer.from(`ep=${ep}`) },
      { number: CoapOption.URI_QUERY, value: Buffer.from('lwm2m=1.1') },
    ],
    payload: Buffer.from('</3/0>'),
  });

describe('LwM2M gateway on the in-memory transport', () => {
  it('registers over a plain and a secured listener without sockets; identities decide the names', async () => {
    const upstream = await startTestUpstream();
    const network = new MemoryNetwork();
    const credentials = new PskStore();
    credentials.add('sensor-1', Buffer.from('key'));
    const config = resolveConfig({ lwm2m: { listeners: { udp: { default: { bind: '127.0.0.1:0' } }, dtls: { default: { bind: '127.0.0.1:0' } } } } }).lwm2m;
    const gateway = await Lwm2mGateway.start({
      config,
      upstream: upstream.connector,
      models: createModelRegistry([]),
      logger: silentLogger(),
      credentials,
      openTransport: network.opener(),
    });
    try {
      const [plain, secured] = gateway.transports as MemoryTransport[];
      const answers: CoapMessage[] = [];
      const device = network.bind({ host: '127.0.0.5', port: 0 }, (msg) => answers.push(decodeMessage(msg)));
      device.send(register('sensor-1', 1), plain?.address.port ?? 0, '127.0.0.1');
      await vi.waitFor(() => expect(answers.map((a) => a.code)).toEqual(['4.03']));
      // The secured listener has seen this peer prove the identity (what a DTLS handshake establishes).
      secured?.setSecurity('127.0.0.5', device.address.port, { mode: 'psk', identity: 'sensor-1' });
      device.send(register('sensor-1', 2), secured?.address.port ?? 0, '127.0.0.1');
      device.send(register('sensor-2', 3), secured?.address.port ?? 0, '127.0.0.1');
      await vi.waitFor(() => expect(answers.map((a) => a.code)).toEqual(['4.03', '2.01', '4.03']));
      expect(gateway.store.get('sensor-1')?.auth).toEqual({ auth: 'psk', identity: 'sensor-1' });
      expect(gateway.store.get('sensor-1')?.listener).toBe(1);
      expect(gateway.store.get('sensor-2')).toBeUndefined();
      // A plain datagram from the same address (a forged source) does not refresh the secured registration.
      const reg = gateway.store.get('sensor-1');
      const seen = reg?.lastSeen ?? 0;
      await new Promise((r) => setTimeout(r, 20));
      device.send(
        encodeMessage({ type: 'CON', code: '0.00', messageId: 9, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }),
        plain?.address.port ?? 0,
        '127.0.0.1',
      );
      await vi.waitFor(() => expect(answers.map((a) => a.type)).toContain('RST'));
      expect(reg?.lastSeen).toBe(seen);
      // Over the secured listener it does.
      device.send(
        encodeMessage({ type: 'CON', code: '0.00', messageId: 10, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }),
        secured?.address.port ?? 0,
        '127.0.0.1',
      );
      await vi.waitFor(() => expect(reg?.lastSeen).toBeGreaterThan(seen));
      // Another device's DTLS session from the same address does not act for this registration.
      secured?.setSecurity('127.0.0.5', device.address.port, { mode: 'psk', identity: 'intruder' });
      const later = reg?.lastSeen ?? 0;
      const rsts = answers.filter((a) => a.type === 'RST').length;
      await new Promise((r) => setTimeout(r, 20));
      device.send(
        encodeMessage({ type: 'CON', code: '0.00', messageId: 11, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }),
        secured?.address.port ?? 0,
        '127.0.0.1',
      );
      await vi.waitFor(() => expect(answers.filter((a) => a.type === 'RST').length).toBe(rsts + 1));
      expect(reg?.lastSeen).toBe(later);
      // A command for sensor-1 is not sent to the intruder's session; once the session proves sensor-1 again, it is.
      const mqtt = await connectAsync(upstream.url, { clientId: 'memory-transport-commander' });
      try {
        const requests = (): CoapMessage[] => answers.filter((a) => a.code === '0.01');
        await mqtt.publishAsync('lwm2m/sensor-1/command', JSON.stringify({ reqID: 1, msgType: 'read', data: { path: '/3/0/0' } }), { qos: 1 });
        await new Promise((r) => setTimeout(r, 300));
        expect(requests()).toEqual([]);
        secured?.setSecurity('127.0.0.5', device.address.port, { mode: 'psk', identity: 'sensor-1' });
        await vi.waitFor(() => expect(requests().length).toBeGreaterThan(0), { timeout: 8000 });
      } finally {
        await mqtt.endAsync();
      }
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
