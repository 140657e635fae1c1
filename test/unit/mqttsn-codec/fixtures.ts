import type { MqttSnPacket } from '../../../src/mqttsn/codec/index.js';

/**
 * Annotated byte fixtures, one or more per MQTT-SN v1.2 message type (§5.4) and per variant.
 * Each is canonical: parse(bytes) equals `packet` and generate(packet) equals `bytes`.
 */
export interface Fixture {
  readonly name: string;
  readonly bytes: readonly number[];
  readonly packet: MqttSnPacket;
}

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

export const fixtures: readonly Fixture[] = [
  {
    name: 'ADVERTISE',
    bytes: [
      0x05, // Length
      0x00, // MsgType ADVERTISE
      0x07, // GwId
      0x03,
      0x84, // Duration 900 s
    ],
    packet: { type: 0x00, gwId: 7, duration: 900 },
  },
  {
    name: 'SEARCHGW',
    bytes: [
      0x03, // Length
      0x01, // MsgType SEARCHGW
      0x02, // Radius
    ],
    packet: { type: 0x01, radius: 2 },
  },
  {
    name: 'GWINFO from a gateway (no GwAdd)',
    bytes: [
      0x03, // Length
      0x02, // MsgType GWINFO
      0x01, // GwId
    ],
    packet: { type: 0x02, gwId: 1 },
  },
  {
    name: 'GWINFO from a client (GwAdd)',
    bytes: [
      0x07, // Length
      0x02, // MsgType GWINFO
      0x05, // GwId
      0x0a,
      0x00,
      0x00,
      0x01, // GwAdd (4 octets, e.g. an IPv4 address)
    ],
    packet: { type: 0x02, gwId: 5, gwAdd: Buffer.from([10, 0, 0, 1]) },
  },
  {
    name: 'CONNECT',
    bytes: [
      0x0c, // Length 12
      0x04, // MsgType CONNECT
      0x0c, // Flags: Will (bit 3) + CleanSession (bit 2)
      0x01, // ProtocolId
      0x00,
      0x3c, // Duration 60 s
      0x63,
      0x6c,
      0x69,
      0x65,
      0x6e,
      0x74, // ClientId "client"
    ],
    packet: { type: 0x04, will: true, cleanSession: true, protocolId: 1, duration: 60, clientId: 'client' },
  },
  {
    name: 'CONNECT with bad ProtocolId and empty ClientId (not a parse error)',
    bytes: [
      0x06, // Length
      0x04, // MsgType CONNECT
      0x00, // Flags: none
      0x02, // ProtocolId 2 (the gateway answers it)
      0xff,
      0xff, // Duration 65535 s
      // ClientId: empty
    ],
    packet: { type: 0x04, will: false, cleanSession: false, protocolId: 2, duration: 65535, clientId: '' },
  },
  {
    name: 'CONNECT with a UTF-8 ClientId',
    bytes: [
      0x09, // Length
      0x04, // MsgType CONNECT
      0x04, // Flags: CleanSession
      0x01, // ProtocolId
      0x00,
      0x0a, // Duration 10 s
      0xc3,
      0xa9,
      0x31, // ClientId "é1"
    ],
    packet: { type: 0x04, will: false, cleanSession: true, protocolId: 1, duration: 10, clientId: 'é1' },
  },
  {
    name: 'CONNACK',
    bytes: [
      0x03, // Length
      0x05, // MsgType CONNACK
      0x00, // ReturnCode accepted
    ],
    packet: { type: 0x05, returnCode: 0 },
  },
  {
    name: 'WILLTOPICREQ',
    bytes: [
      0x02, // Length
      0x06, // MsgType WILLTOPICREQ
    ],
    packet: { type: 0x06 },
  },
  {
    name: 'WILLTOPIC',
    bytes: [
      0x08, // Length
      0x07, // MsgType WILLTOPIC
      0x30, // Flags: QoS 1 (bits 6-5 = 01), Retain (bit 4)
      0x77,
      0x2f,
      0x6c,
      0x77,
      0x74, // WillTopic "w/lwt"
    ],
    packet: { type: 0x07, qos: 1, retain: true, topic: 'w/lwt' },
  },
  {
    name: 'WILLTOPIC empty (no will)',
    bytes: [
      0x02, // Length
      0x07, // MsgType WILLTOPIC; no Flags, no WillTopic
    ],
    packet: { type: 0x07, qos: 0, retain: false, topic: undefined },
  },
  {
    name: 'WILLMSGREQ',
    bytes: [
      0x02, // Length
      0x08, // MsgType WILLMSGREQ
    ],
    packet: { type: 0x08 },
  },
  {
    name: 'WILLMSG',
    bytes: [
      0x05, // Length
      0x09, // MsgType WILLMSG
      0x62,
      0x79,
      0x65, // WillMsg "bye"
    ],
    packet: { type: 0x09, message: b('bye') },
  },
  {
    name: 'WILLMSG empty',
    bytes: [
      0x02, // Length
      0x09, // MsgType WILLMSG; empty WillMsg
    ],
    packet: { type: 0x09, message: Buffer.alloc(0) },
  },
  {
    name: 'REGISTER from a client',
    bytes: [
      0x0a, // Length
      0x0a, // MsgType REGISTER
      0x00,
      0x00, // TopicId 0 (client)
      0x00,
      0x01, // MsgId 1
      0x61,
      0x2f,
      0x62,
      0x63, // TopicName "a/bc"
    ],
    packet: { type: 0x0a, topicId: 0, msgId: 1, topicName: 'a/bc' },
  },
  {
    name: 'REGISTER from the gateway',
    bytes: [
      0x0b, // Length
      0x0a, // MsgType REGISTER
      0x01,
      0x02, // TopicId 258
      0xab,
      0xcd, // MsgId 0xABCD
      0x73,
      0x2f,
      0x74,
      0x2f,
      0x31, // TopicName "s/t/1"
    ],
    packet: { type: 0x0a, topicId: 258, msgId: 0xabcd, topicName: 's/t/1' },
  },
  {
    name: 'REGACK',
    bytes: [
      0x07, // Length
      0x0b, // MsgType REGACK
      0x00,
      0x05, // TopicId 5
      0x00,
      0x01, // MsgId 1
      0x00, // ReturnCode accepted
    ],
    packet: { type: 0x0b, topicId: 5, msgId: 1, returnCode: 0 },
  },
  {
    name: 'PUBLISH QoS 1 normal topic id',
    bytes: [
      0x0a, // Length
      0x0c, // MsgType PUBLISH
      0x20, // Flags: QoS 1, TopicIdType 00 normal
      0x00,
      0x05, // TopicId 5
      0x00,
      0x09, // MsgId 9
      0x68,
      0x69,
      0x21, // Data "hi!"
    ],
    packet: { type: 0x0c, dup: false, qos: 1, retain: false, topic: { kind: 'normal', id: 5 }, msgId: 9, data: b('hi!') },
  },
  {
    name: 'PUBLISH QoS 2 DUP retain predefined topic id',
    bytes: [
      0x08, // Length
      0x0c, // MsgType PUBLISH
      0xd1, // Flags: DUP (bit 7), QoS 2 (10), Retain (bit 4), TopicIdType 01 predefined
      0x00,
      0x64, // TopicId 100
      0x12,
      0x34, // MsgId 0x1234
      0x00, // Data: one zero octet
    ],
    packet: { type: 0x0c, dup: true, qos: 2, retain: true, topic: { kind: 'predefined', id: 100 }, msgId: 0x1234, data: Buffer.from([0]) },
  },
  {
    name: 'PUBLISH QoS 0 short topic name',
    bytes: [
      0x09, // Length
      0x0c, // MsgType PUBLISH
      0x02, // Flags: QoS 0, TopicIdType 10 short
      0x74,
      0x31, // short topic name "t1"
      0x00,
      0x00, // MsgId 0
      0x6f,
      0x6b, // Data "ok"
    ],
    packet: { type: 0x0c, dup: false, qos: 0, retain: false, topic: { kind: 'short', name: 't1' }, msgId: 0, data: b('ok') },
  },
  {
    name: 'PUBLISH QoS -1 predefined topic id, empty data',
    bytes: [
      0x07, // Length
      0x0c, // MsgType PUBLISH
      0x61, // Flags: QoS -1 (bits 6-5 = 11), TopicIdType 01 predefined
      0x00,
      0x01, // TopicId 1
      0x00,
      0x00, // MsgId 0
      // Data: empty
    ],
    packet: { type: 0x0c, dup: false, qos: -1, retain: false, topic: { kind: 'predefined', id: 1 }, msgId: 0, data: Buffer.alloc(0) },
  },
  {
    name: 'PUBLISH reserved TopicIdType 0b11 (kept as kind reserved)',
    bytes: [
      0x08, // Length
      0x0c, // MsgType PUBLISH
      0x23, // Flags: QoS 1, TopicIdType 11 reserved
      0xbe,
      0xef, // TopicId field, raw
      0x00,
      0x02, // MsgId 2
      0x78, // Data "x"
    ],
    packet: {
      type: 0x0c,
      dup: false,
      qos: 1,
      retain: false,
      topic: { kind: 'reserved', raw: Buffer.from([0xbe, 0xef]) },
      msgId: 2,
      data: b('x'),
    },
  },
  {
    name: 'PUBACK',
    bytes: [
      0x07, // Length
      0x0d, // MsgType PUBACK
      0x00,
      0x05, // TopicId 5
      0x00,
      0x09, // MsgId 9
      0x02, // ReturnCode invalid topic id
    ],
    packet: { type: 0x0d, topicId: 5, msgId: 9, returnCode: 2 },
  },
  {
    name: 'PUBCOMP',
    bytes: [
      0x04, // Length
      0x0e, // MsgType PUBCOMP
      0x00,
      0x09, // MsgId 9
    ],
    packet: { type: 0x0e, msgId: 9 },
  },
  {
    name: 'PUBREC',
    bytes: [
      0x04, // Length
      0x0f, // MsgType PUBREC
      0x00,
      0x0a, // MsgId 10
    ],
    packet: { type: 0x0f, msgId: 10 },
  },
  {
    name: 'PUBREL',
    bytes: [
      0x04, // Length
      0x10, // MsgType PUBREL
      0xff,
      0xff, // MsgId 65535
    ],
    packet: { type: 0x10, msgId: 0xffff },
  },
  {
    name: 'SUBSCRIBE topic name with wildcard',
    bytes: [
      0x08, // Length
      0x12, // MsgType SUBSCRIBE
      0x20, // Flags: QoS 1, TopicIdType 00 (topic name follows)
      0x00,
      0x03, // MsgId 3
      0x61,
      0x2f,
      0x23, // TopicName "a/#"
    ],
    packet: { type: 0x12, dup: false, qos: 1, msgId: 3, topic: { kind: 'name', name: 'a/#' } },
  },
  {
    name: 'SUBSCRIBE predefined topic id, DUP, QoS -1',
    bytes: [
      0x07, // Length
      0x12, // MsgType SUBSCRIBE
      0xe1, // Flags: DUP, QoS -1 (11), TopicIdType 01 predefined
      0x00,
      0x04, // MsgId 4
      0x00,
      0x10, // TopicId 16
    ],
    packet: { type: 0x12, dup: true, qos: -1, msgId: 4, topic: { kind: 'predefined', id: 16 } },
  },
  {
    name: 'SUBSCRIBE short topic name',
    bytes: [
      0x07, // Length
      0x12, // MsgType SUBSCRIBE
      0x42, // Flags: QoS 2, TopicIdType 10 short
      0x00,
      0x05, // MsgId 5
      0x73,
      0x74, // short topic name "st"
    ],
    packet: { type: 0x12, dup: false, qos: 2, msgId: 5, topic: { kind: 'short', name: 'st' } },
  },
  {
    name: 'SUBSCRIBE reserved TopicIdType 0b11',
    bytes: [
      0x08, // Length
      0x12, // MsgType SUBSCRIBE
      0x03, // Flags: QoS 0, TopicIdType 11 reserved
      0x00,
      0x06, // MsgId 6
      0x01,
      0x02,
      0x03, // raw remainder
    ],
    packet: { type: 0x12, dup: false, qos: 0, msgId: 6, topic: { kind: 'reserved', raw: Buffer.from([1, 2, 3]) } },
  },
  {
    name: 'SUBACK',
    bytes: [
      0x08, // Length
      0x13, // MsgType SUBACK
      0x20, // Flags: granted QoS 1
      0x00,
      0x07, // TopicId 7
      0x00,
      0x03, // MsgId 3
      0x00, // ReturnCode accepted
    ],
    packet: { type: 0x13, qos: 1, topicId: 7, msgId: 3, returnCode: 0 },
  },
  {
    name: 'UNSUBSCRIBE topic name',
    bytes: [
      0x08, // Length
      0x14, // MsgType UNSUBSCRIBE
      0x00, // Flags: TopicIdType 00 (topic name follows)
      0x00,
      0x08, // MsgId 8
      0x61,
      0x2f,
      0x2b, // TopicName "a/+"
    ],
    packet: { type: 0x14, msgId: 8, topic: { kind: 'name', name: 'a/+' } },
  },
  {
    name: 'UNSUBSCRIBE predefined topic id',
    bytes: [
      0x07, // Length
      0x14, // MsgType UNSUBSCRIBE
      0x01, // Flags: TopicIdType 01 predefined
      0x00,
      0x09, // MsgId 9
      0x00,
      0x02, // TopicId 2
    ],
    packet: { type: 0x14, msgId: 9, topic: { kind: 'predefined', id: 2 } },
  },
  {
    name: 'UNSUBSCRIBE short topic name',
    bytes: [
      0x07, // Length
      0x14, // MsgType UNSUBSCRIBE
      0x02, // Flags: TopicIdType 10 short
      0x00,
      0x0a, // MsgId 10
      0x7a,
      0x7a, // short topic name "zz"
    ],
    packet: { type: 0x14, msgId: 10, topic: { kind: 'short', name: 'zz' } },
  },
  {
    name: 'UNSUBSCRIBE reserved TopicIdType 0b11',
    bytes: [
      0x06, // Length
      0x14, // MsgType UNSUBSCRIBE
      0x03, // Flags: TopicIdType 11 reserved
      0x00,
      0x0b, // MsgId 11
      0x07, // raw remainder
    ],
    packet: { type: 0x14, msgId: 11, topic: { kind: 'reserved', raw: Buffer.from([7]) } },
  },
  {
    name: 'UNSUBACK',
    bytes: [
      0x04, // Length
      0x15, // MsgType UNSUBACK
      0x00,
      0x08, // MsgId 8
    ],
    packet: { type: 0x15, msgId: 8 },
  },
  {
    name: 'PINGREQ without ClientId',
    bytes: [
      0x02, // Length
      0x16, // MsgType PINGREQ
    ],
    packet: { type: 0x16 },
  },
  {
    name: 'PINGREQ with ClientId (sleeping client wakes, §6.14)',
    bytes: [
      0x05, // Length
      0x16, // MsgType PINGREQ
      0x63,
      0x69,
      0x64, // ClientId "cid"
    ],
    packet: { type: 0x16, clientId: 'cid' },
  },
  {
    name: 'PINGRESP',
    bytes: [
      0x02, // Length
      0x17, // MsgType PINGRESP
    ],
    packet: { type: 0x17 },
  },
  {
    name: 'DISCONNECT without duration',
    bytes: [
      0x02, // Length
      0x18, // MsgType DISCONNECT
    ],
    packet: { type: 0x18 },
  },
  {
    name: 'DISCONNECT with duration (go to sleep)',
    bytes: [
      0x04, // Length
      0x18, // MsgType DISCONNECT
      0x01,
      0x2c, // Duration 300 s
    ],
    packet: { type: 0x18, duration: 300 },
  },
  {
    name: 'WILLTOPICUPD',
    bytes: [
      0x06, // Length
      0x1a, // MsgType WILLTOPICUPD
      0x40, // Flags: QoS 2, no Retain
      0x6e,
      0x2f,
      0x77, // WillTopic "n/w"
    ],
    packet: { type: 0x1a, qos: 2, retain: false, topic: 'n/w' },
  },
  {
    name: 'WILLTOPICUPD empty (delete will)',
    bytes: [
      0x02, // Length
      0x1a, // MsgType WILLTOPICUPD; no Flags, no WillTopic
    ],
    packet: { type: 0x1a, qos: 0, retain: false, topic: undefined },
  },
  {
    name: 'WILLTOPICRESP',
    bytes: [
      0x03, // Length
      0x1b, // MsgType WILLTOPICRESP
      0x00, // ReturnCode accepted
    ],
    packet: { type: 0x1b, returnCode: 0 },
  },
  {
    name: 'WILLMSGUPD',
    bytes: [
      0x04, // Length
      0x1c, // MsgType WILLMSGUPD
      0x7b,
      0x7d, // WillMsg "{}"
    ],
    packet: { type: 0x1c, message: b('{}') },
  },
  {
    name: 'WILLMSGRESP',
    bytes: [
      0x03, // Length
      0x1d, // MsgType WILLMSGRESP
      0x03, // ReturnCode not supported
    ],
    packet: { type: 0x1d, returnCode: 3 },
  },
  {
    name: 'Forwarder encapsulation of a CONNECT (§5.5)',
    bytes: [
      0x06, // Encapsulation Length: counts only this header (6 octets)
      0xfe, // MsgType ENCAPSULATED
      0x00, // Ctrl: radius 0
      0xaa,
      0xbb,
      0xcc, // Wireless Node Id (3 octets)
      // encapsulated message:
      0x08, // Length
      0x04, // MsgType CONNECT
      0x04, // Flags: CleanSession
      0x01, // ProtocolId
      0x00,
      0x1e, // Duration 30 s
      0x6e,
      0x31, // ClientId "n1"
    ],
    packet: {
      type: 0xfe,
      radius: 0,
      wirelessNodeId: Buffer.from([0xaa, 0xbb, 0xcc]),
      message: { type: 0x04, will: false, cleanSession: true, protocolId: 1, duration: 30, clientId: 'n1' },
    },
  },
  {
    name: 'Forwarder encapsulation of a CONNACK, radius 3, one-octet node id',
    bytes: [
      0x04, // Encapsulation Length (4 octets)
      0xfe, // MsgType ENCAPSULATED
      0x03, // Ctrl: radius 3 (bits 1-0)
      0x11, // Wireless Node Id
      0x03, // Length
      0x05, // MsgType CONNACK
      0x00, // ReturnCode accepted
    ],
    packet: { type: 0xfe, radius: 3, wirelessNodeId: Buffer.from([0x11]), message: { type: 0x05, returnCode: 0 } },
  },
];
