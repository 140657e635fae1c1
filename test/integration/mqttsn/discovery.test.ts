import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { MsgType, parsePacket, type MqttSnPacket } from '../../../src/mqttsn/codec/index.js';
import { startHarness } from './harness.js';

describe('MQTT-SN discovery (§6.1)', () => {
  it('answers SEARCHGW at once with GWINFO carrying the gateway id, to the searcher only', async () => {
    const h = await startHarness({ gateway_id: 42 });
    const c = await h.client();
    await c.send({ type: MsgType.SEARCHGW, radius: 0 });
    expect(await c.expect(MsgType.GWINFO)).toMatchObject({ gwId: 42 });
  });

  it('sends ADVERTISE (gateway id, duration) to broadcast_address:broadcast_port when broadcast is on', async () => {
    const listener = createSocket('udp4');
    await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
    const port = listener.address().port;
    const received = new Promise<MqttSnPacket>((resolve) => listener.once('message', (msg) => resolve(parsePacket(msg))));
    try {
      await startHarness({ gateway_id: 9, broadcast: true, broadcast_address: '127.0.0.1', broadcast_port: port, advertise_duration: '20s' });
      expect(await received).toEqual({ type: MsgType.ADVERTISE, gwId: 9, duration: 20 });
    } finally {
      listener.close();
    }
  });
});
