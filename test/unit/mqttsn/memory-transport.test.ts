import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { generatePacket, MsgType, parsePacket, type MqttSnPacket } from '../../../src/mqttsn/codec/index.js';
import { MqttSnGateway } from '../../../src/mqttsn/gateway.js';
import { PskStore } from '../../../src/security/psk-store.js';
import { MemoryNetwork, type MemoryTransport } from '../../../src/transport/memory.js';
import { startTestUpstream } from '../../helpers/upstream.js';

describe('MQTT-SN gateway on the in-memory transport', () => {
  it('a session made under a DTLS identity is let go when another identity speaks from its address', async () => {
    const upstream = await startTestUpstream();
    const network = new MemoryNetwork();
    const credentials = new PskStore();
    credentials.add('sn-dev', Buffer.from('k'));
    const config = resolveConfig({ mqttsn: { listeners: { udp: {}, dtls: { default: { bind: '127.0.0.1:0' } } } } }).mqttsn;
    const gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger: silentLogger(), credentials, openTransport: network.opener() });
    try {
      const [secured] = gateway.transports as MemoryTransport[];
      const received: MqttSnPacket[] = [];
      const device = network.bind({ host: '127.0.0.7', port: 0 }, (msg) => received.push(parsePacket(msg)));
      const port = secured?.address.port ?? 0;
      secured?.setSecurity('127.0.0.7', device.address.port, { mode: 'psk', identity: 'sn-dev' });
      device.send(
        generatePacket({ type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 60, clientId: 'sn-dev' }),
        port,
        '127.0.0.1',
      );
      await vi.waitFor(() => expect(received.map((p) => p.type)).toEqual([MsgType.CONNACK]));
      expect(received[0]).toMatchObject({ returnCode: 0 });
      expect(gateway.sessionCount).toBe(1);
      // A different identity now holds the DTLS session at that address: its PINGREQ is not the client's.
      secured?.setSecurity('127.0.0.7', device.address.port, { mode: 'psk', identity: 'someone-else' });
      device.send(generatePacket({ type: MsgType.PINGREQ, clientId: undefined }), port, '127.0.0.1');
      await vi.waitFor(() => expect(received.map((p) => p.type)).toEqual([MsgType.CONNACK, MsgType.DISCONNECT]));
      await vi.waitFor(() => expect(gateway.sessionCount).toBe(0));
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
