import { describe, expect, it } from 'vitest';
import { CodecError, type CodecErrorReason, generatePacket, type MqttSnPacket, parsePacket } from '../../../src/mqttsn/codec/index.js';
import { GatewayError } from '../../../src/errors.js';

function parseFailure(bytes: readonly number[] | Buffer): CodecError {
  try {
    parsePacket(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  } catch (err) {
    if (err instanceof CodecError) return err;
    throw err;
  }
  throw new Error('expected parsePacket to throw');
}

function generateFailure(packet: MqttSnPacket): CodecError {
  try {
    generatePacket(packet);
  } catch (err) {
    if (err instanceof CodecError) return err;
    throw err;
  }
  throw new Error('expected generatePacket to throw');
}

interface ErrorFixture {
  readonly name: string;
  readonly bytes: readonly number[];
  readonly reason: CodecErrorReason;
}

const parseErrors: readonly ErrorFixture[] = [
  { name: 'empty datagram', bytes: [], reason: 'TOO_SHORT' },
  { name: 'a single octet', bytes: [0x02], reason: 'TOO_SHORT' },
  { name: 'Length 0', bytes: [0x00, 0x16], reason: 'BAD_LENGTH' },
  { name: 'declared Length longer than the datagram', bytes: [0x05, 0x04, 0x00, 0x01], reason: 'LENGTH_MISMATCH' },
  { name: 'declared Length shorter than the datagram', bytes: [0x02, 0x16, 0x00], reason: 'LENGTH_MISMATCH' },
  { name: 'one-octet Length 1 can only be the long-form marker: truncated', bytes: [0x01, 0x16], reason: 'TOO_SHORT' },
  { name: 'three-octet Length: header truncated', bytes: [0x01, 0x00, 0x04], reason: 'TOO_SHORT' },
  { name: 'three-octet Length below the 4-octet header', bytes: [0x01, 0x00, 0x03, 0x16], reason: 'BAD_LENGTH' },
  { name: 'three-octet Length 0', bytes: [0x01, 0x00, 0x00, 0x16], reason: 'BAD_LENGTH' },
  { name: 'three-octet Length larger than the datagram', bytes: [0x01, 0x01, 0x2c, 0x0c, 0x00], reason: 'LENGTH_MISMATCH' },
  { name: 'three-octet Length smaller than the datagram', bytes: [0x01, 0x00, 0x04, 0x16, 0x00], reason: 'LENGTH_MISMATCH' },
  { name: 'three-octet Length on a forwarder encapsulation', bytes: [0x01, 0x00, 0x06, 0xfe, 0x00, 0x01], reason: 'BAD_LENGTH' },
  { name: 'reserved MsgType 0x03', bytes: [0x02, 0x03], reason: 'UNKNOWN_TYPE' },
  { name: 'reserved MsgType 0x11', bytes: [0x02, 0x11], reason: 'UNKNOWN_TYPE' },
  { name: 'reserved MsgType 0x19', bytes: [0x02, 0x19], reason: 'UNKNOWN_TYPE' },
  { name: 'reserved MsgType 0x1E', bytes: [0x02, 0x1e], reason: 'UNKNOWN_TYPE' },
  { name: 'reserved MsgType 0xFF', bytes: [0x02, 0xff], reason: 'UNKNOWN_TYPE' },
  { name: 'ADVERTISE truncated', bytes: [0x04, 0x00, 0x01, 0x00], reason: 'TOO_SHORT' },
  { name: 'ADVERTISE with trailing octets', bytes: [0x06, 0x00, 0x01, 0x00, 0x10, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'SEARCHGW without radius', bytes: [0x02, 0x01], reason: 'TOO_SHORT' },
  { name: 'GWINFO without GwId', bytes: [0x02, 0x02], reason: 'TOO_SHORT' },
  { name: 'CONNECT truncated in Duration', bytes: [0x05, 0x04, 0x04, 0x01, 0x00], reason: 'TOO_SHORT' },
  { name: 'CONNECT ClientId invalid UTF-8', bytes: [0x08, 0x04, 0x04, 0x01, 0x00, 0x0a, 0xc3, 0x28], reason: 'BAD_UTF8' },
  { name: 'CONNACK without ReturnCode', bytes: [0x02, 0x05], reason: 'TOO_SHORT' },
  { name: 'CONNACK with trailing octet', bytes: [0x04, 0x05, 0x00, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'WILLTOPICREQ with a body', bytes: [0x03, 0x06, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'WILLTOPIC with QoS -1', bytes: [0x04, 0x07, 0x60, 0x77], reason: 'BAD_FIELD' },
  { name: 'WILLTOPIC topic invalid UTF-8', bytes: [0x04, 0x07, 0x00, 0xff], reason: 'BAD_UTF8' },
  { name: 'REGISTER truncated', bytes: [0x05, 0x0a, 0x00, 0x00, 0x00], reason: 'TOO_SHORT' },
  { name: 'REGISTER TopicName invalid UTF-8 (lone continuation)', bytes: [0x07, 0x0a, 0, 0, 0, 1, 0x80], reason: 'BAD_UTF8' },
  { name: 'REGACK truncated', bytes: [0x06, 0x0b, 0x00, 0x01, 0x00, 0x01], reason: 'TOO_SHORT' },
  { name: 'PUBLISH truncated in MsgId', bytes: [0x06, 0x0c, 0x20, 0x00, 0x01, 0x00], reason: 'TOO_SHORT' },
  { name: 'PUBLISH short topic name invalid UTF-8', bytes: [0x07, 0x0c, 0x02, 0xff, 0xfe, 0x00, 0x00], reason: 'BAD_UTF8' },
  { name: 'PUBACK with trailing octet', bytes: [0x08, 0x0d, 0, 1, 0, 1, 0, 0], reason: 'TRAILING_BYTES' },
  { name: 'PUBREC truncated', bytes: [0x03, 0x0f, 0x00], reason: 'TOO_SHORT' },
  { name: 'PUBREL with trailing octet', bytes: [0x05, 0x10, 0x00, 0x01, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'PUBCOMP truncated', bytes: [0x02, 0x0e], reason: 'TOO_SHORT' },
  { name: 'SUBSCRIBE without MsgId', bytes: [0x04, 0x12, 0x20, 0x00], reason: 'TOO_SHORT' },
  { name: 'SUBSCRIBE predefined id of one octet', bytes: [0x06, 0x12, 0x21, 0x00, 0x01, 0x05], reason: 'TOO_SHORT' },
  { name: 'SUBSCRIBE short name of three octets', bytes: [0x08, 0x12, 0x22, 0x00, 0x01, 0x61, 0x62, 0x63], reason: 'TRAILING_BYTES' },
  { name: 'SUBACK truncated', bytes: [0x07, 0x13, 0x20, 0, 1, 0, 1], reason: 'TOO_SHORT' },
  { name: 'UNSUBSCRIBE predefined id missing', bytes: [0x05, 0x14, 0x01, 0x00, 0x01], reason: 'TOO_SHORT' },
  { name: 'UNSUBACK with trailing octet', bytes: [0x05, 0x15, 0, 1, 0], reason: 'TRAILING_BYTES' },
  { name: 'PINGRESP with a body', bytes: [0x03, 0x17, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'DISCONNECT with a one-octet duration', bytes: [0x03, 0x18, 0x01], reason: 'TOO_SHORT' },
  { name: 'DISCONNECT with a three-octet duration', bytes: [0x05, 0x18, 0, 1, 0], reason: 'TRAILING_BYTES' },
  { name: 'WILLTOPICRESP with trailing octet', bytes: [0x04, 0x1b, 0x00, 0x00], reason: 'TRAILING_BYTES' },
  { name: 'WILLMSGRESP truncated', bytes: [0x02, 0x1d], reason: 'TOO_SHORT' },
  // §5.5 forwarder encapsulation
  { name: 'encapsulation Length 2 (below the 3-octet fixed header)', bytes: [0x02, 0xfe, 0x00, 0x02, 0x17], reason: 'BAD_LENGTH' },
  { name: 'encapsulation Length 0', bytes: [0x00, 0xfe, 0x00, 0x02, 0x17], reason: 'BAD_LENGTH' },
  { name: 'encapsulation header longer than the datagram', bytes: [0x09, 0xfe, 0x00, 0x01, 0x02], reason: 'TOO_SHORT' },
  { name: 'encapsulation with no inner message', bytes: [0x04, 0xfe, 0x00, 0x01], reason: 'TOO_SHORT' },
  { name: 'encapsulation with a one-octet inner message', bytes: [0x04, 0xfe, 0x00, 0x01, 0x02], reason: 'TOO_SHORT' },
  {
    name: 'encapsulation inside an encapsulation',
    bytes: [0x04, 0xfe, 0x00, 0x01, /* inner: */ 0x04, 0xfe, 0x00, 0x02, /* innermost: */ 0x02, 0x17],
    reason: 'NESTED_ENCAPSULATION',
  },
  {
    name: 'encapsulation inside an encapsulation, inner one with a three-octet Length',
    bytes: [0x04, 0xfe, 0x00, 0x01, 0x01, 0x00, 0x06, 0xfe, 0x00, 0x02],
    reason: 'NESTED_ENCAPSULATION',
  },
  { name: 'encapsulated message Length mismatch', bytes: [0x04, 0xfe, 0x00, 0x01, 0x03, 0x17], reason: 'LENGTH_MISMATCH' },
  { name: 'encapsulated message of reserved type', bytes: [0x04, 0xfe, 0x00, 0x01, 0x02, 0x03], reason: 'UNKNOWN_TYPE' },
];

describe('parsePacket error fixtures', () => {
  it.each(parseErrors)('$name -> $reason', ({ bytes, reason }) => {
    const err = parseFailure(bytes);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('GW_ERR_CODEC');
    expect(err.reason).toBe(reason);
  });

  it('accepts the three-octet Length form for a short message (§5.2.1: either form under 256)', () => {
    expect(parsePacket(Buffer.from([0x01, 0x00, 0x04, 0x16]))).toEqual({ type: 0x16 });
  });

  it('parsed data is a view into the datagram (zero-copy, documented)', () => {
    const buf = Buffer.from([0x08, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x41]);
    const p = parsePacket(buf);
    if (p.type !== 0x0c) throw new Error('expected PUBLISH');
    buf[7] = 0x42;
    expect(p.data.toString()).toBe('B');
  });

  it('Buffer equality in fixtures is by content (sanity check of the assertions)', () => {
    expect(Buffer.from([1])).not.toEqual(Buffer.from([2]));
  });
});

describe('generatePacket errors', () => {
  const cases: readonly { name: string; packet: MqttSnPacket; reason: CodecErrorReason }[] = [
    { name: 'msgId above 65535', packet: { type: 0x0e, msgId: 65536 }, reason: 'BAD_FIELD' },
    { name: 'negative msgId', packet: { type: 0x0f, msgId: -1 }, reason: 'BAD_FIELD' },
    { name: 'fractional duration', packet: { type: 0x18, duration: 1.5 }, reason: 'BAD_FIELD' },
    { name: 'returnCode above 255', packet: { type: 0x05, returnCode: 256 }, reason: 'BAD_FIELD' },
    {
      name: 'short topic name of 3 characters',
      packet: { type: 0x0c, dup: false, qos: 0, retain: false, topic: { kind: 'short', name: 'abc' }, msgId: 0, data: Buffer.alloc(0) },
      reason: 'BAD_FIELD',
    },
    {
      name: 'topic name in PUBLISH',
      packet: { type: 0x0c, dup: false, qos: 0, retain: false, topic: { kind: 'name', name: 'a/b' }, msgId: 0, data: Buffer.alloc(0) },
      reason: 'BAD_FIELD',
    },
    {
      name: 'normal topic id in SUBSCRIBE',
      packet: { type: 0x12, dup: false, qos: 0, msgId: 1, topic: { kind: 'normal', id: 3 } },
      reason: 'BAD_FIELD',
    },
    {
      name: 'invalid QoS',
      packet: { type: 0x13, qos: 3 as unknown as 0, topicId: 1, msgId: 1, returnCode: 0 },
      reason: 'BAD_FIELD',
    },
    { name: 'will with QoS -1', packet: { type: 0x07, qos: -1 as unknown as 0, retain: false, topic: 't' }, reason: 'BAD_FIELD' },
    {
      name: 'PUBLISH above 65535 octets',
      packet: { type: 0x0c, dup: false, qos: 0, retain: false, topic: { kind: 'normal', id: 1 }, msgId: 0, data: Buffer.alloc(65535 - 9 + 1) },
      reason: 'TOO_LONG',
    },
    {
      name: 'nested encapsulation',
      packet: {
        type: 0xfe,
        radius: 0,
        wirelessNodeId: Buffer.from([1]),
        message: { type: 0xfe, radius: 0, wirelessNodeId: Buffer.from([2]), message: { type: 0x17 } } as unknown as { type: 0x17 },
      },
      reason: 'NESTED_ENCAPSULATION',
    },
    {
      name: 'encapsulation radius 4',
      packet: { type: 0xfe, radius: 4, wirelessNodeId: Buffer.from([1]), message: { type: 0x17 } },
      reason: 'BAD_FIELD',
    },
    {
      name: 'encapsulation node id of 253 octets',
      packet: { type: 0xfe, radius: 0, wirelessNodeId: Buffer.alloc(253), message: { type: 0x17 } },
      reason: 'TOO_LONG',
    },
    { name: 'unknown MsgType', packet: { type: 0x03 } as unknown as MqttSnPacket, reason: 'UNKNOWN_TYPE' },
  ];

  it.each(cases)('$name -> $reason', ({ packet, reason }) => {
    expect(generateFailure(packet).reason).toBe(reason);
  });

  it('the largest PUBLISH (65535 octets) still generates and parses', () => {
    const data = Buffer.alloc(65535 - 9, 0x5a);
    const buf = generatePacket({ type: 0x0c, dup: false, qos: 0, retain: false, topic: { kind: 'normal', id: 1 }, msgId: 0, data });
    expect(buf.length).toBe(65535);
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0x01, 0xff, 0xff]));
    const p = parsePacket(buf);
    expect(p.type === 0x0c && p.data.equals(data)).toBe(true);
  });

  it('a 252-octet node id (Length 255) is the largest encapsulation header', () => {
    const nodeId = Buffer.alloc(252, 7);
    const buf = generatePacket({ type: 0xfe, radius: 2, wirelessNodeId: nodeId, message: { type: 0x17 } });
    expect(buf[0]).toBe(255);
    expect(parsePacket(buf)).toEqual({ type: 0xfe, radius: 2, wirelessNodeId: nodeId, message: { type: 0x17 } });
  });
});
