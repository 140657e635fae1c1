import { describe, expect, it } from 'vitest';
import { generatePacket, MsgType, msgTypeName, parsePacket } from '../../../src/mqttsn/codec/index.js';
import { fixtures } from './fixtures.js';

describe('MQTT-SN codec fixtures (MQTT-SN v1.2 §5.4)', () => {
  it('covers every v1.2 message type, including the forwarder encapsulation', () => {
    const covered = new Set<number>();
    for (const f of fixtures) {
      covered.add(f.packet.type);
      if (f.packet.type === MsgType.ENCAPSULATED) covered.add(f.packet.message.type);
    }
    const missing = Object.values(MsgType)
      .filter((t) => !covered.has(t))
      .map(msgTypeName);
    expect(missing).toEqual([]);
  });

  describe.each(fixtures)('$name', (fixture) => {
    const bytes = Buffer.from(fixture.bytes);

    it('parses bytes to the packet', () => {
      expect(parsePacket(bytes)).toEqual(fixture.packet);
    });

    it('generates the packet to identical bytes', () => {
      expect(generatePacket(fixture.packet).toString('hex')).toBe(bytes.toString('hex'));
    });

    it('mirrors: generate then parse gives the packet back', () => {
      expect(parsePacket(generatePacket(fixture.packet))).toEqual(fixture.packet);
    });
  });
});
