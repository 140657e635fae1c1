import { describe, expect, it } from 'vitest';
import { generatePacket, parsePacket, type Publish } from '../../../src/mqttsn/codec/index.js';

/** MQTT-SN v1.2 §5.2.1: 0x01 + two octets big-endian when the message is 256 octets or more. */
describe('three-octet Length form', () => {
  const data = Buffer.alloc(291);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  const packet: Publish = { type: 0x0c, dup: false, qos: 1, retain: true, topic: { kind: 'normal', id: 0x0102 }, msgId: 0x0304, data };
  const bytes = Buffer.concat([
    Buffer.from([
      0x01, // long-form marker
      0x01,
      0x2c, // Length 300 = 3 (Length) + 1 (MsgType) + 1 + 2 + 2 + 291 (Data)
      0x0c, // MsgType PUBLISH
      0x30, // Flags: QoS 1, Retain, TopicIdType normal
      0x01,
      0x02, // TopicId 0x0102
      0x03,
      0x04, // MsgId 0x0304
    ]),
    data,
  ]);

  it('the fixture is 300 octets', () => {
    expect(bytes.length).toBe(300);
  });

  it('parses a 300-octet PUBLISH', () => {
    expect(parsePacket(bytes)).toEqual(packet);
  });

  it('generates a 300-octet PUBLISH with the three-octet Length', () => {
    expect(generatePacket(packet).equals(bytes)).toBe(true);
  });

  it('switches form exactly at 256 octets', () => {
    const publishWith = (n: number): Buffer => generatePacket({ ...packet, data: Buffer.alloc(n) });
    // 1 (Length) + 1 (MsgType) + 5 + 248 = 255: one-octet Length.
    const at255 = publishWith(248);
    expect(at255.length).toBe(255);
    expect(at255[0]).toBe(255);
    // 249 data octets would make 256 with a one-octet Length: the long form gives 258.
    const next = publishWith(249);
    expect(next.length).toBe(258);
    expect([...next.subarray(0, 4)]).toEqual([0x01, 0x01, 0x02, 0x0c]);
    expect(parsePacket(next)).toEqual({ ...packet, data: Buffer.alloc(249) });
  });

  it('long-form PUBLISH inside a forwarder encapsulation', () => {
    const enc = generatePacket({ type: 0xfe, radius: 1, wirelessNodeId: Buffer.from([1, 2]), message: packet });
    expect([...enc.subarray(0, 8)]).toEqual([0x05, 0xfe, 0x01, 0x01, 0x02, 0x01, 0x01, 0x2c]);
    expect(enc.length).toBe(305);
    expect(parsePacket(enc)).toEqual({ type: 0xfe, radius: 1, wirelessNodeId: Buffer.from([1, 2]), message: packet });
  });
});
