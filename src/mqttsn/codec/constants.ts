/** MQTT-SN v1.2 §5.2.2 MsgType values. Note PUBCOMP (0x0E) comes before PUBREC (0x0F). */
export const MsgType = {
  ADVERTISE: 0x00,
  SEARCHGW: 0x01,
  GWINFO: 0x02,
  CONNECT: 0x04,
  CONNACK: 0x05,
  WILLTOPICREQ: 0x06,
  WILLTOPIC: 0x07,
  WILLMSGREQ: 0x08,
  WILLMSG: 0x09,
  REGISTER: 0x0a,
  REGACK: 0x0b,
  PUBLISH: 0x0c,
  PUBACK: 0x0d,
  PUBCOMP: 0x0e,
  PUBREC: 0x0f,
  PUBREL: 0x10,
  SUBSCRIBE: 0x12,
  SUBACK: 0x13,
  UNSUBSCRIBE: 0x14,
  UNSUBACK: 0x15,
  PINGREQ: 0x16,
  PINGRESP: 0x17,
  DISCONNECT: 0x18,
  WILLTOPICUPD: 0x1a,
  WILLTOPICRESP: 0x1b,
  WILLMSGUPD: 0x1c,
  WILLMSGRESP: 0x1d,
  /** §5.5 Forwarder encapsulation. */
  ENCAPSULATED: 0xfe,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** §5.3.10 ReturnCode. 0x80.. are EMQX's non-standard extensions, documented in docs/mqttsn.md. */
export const ReturnCode = {
  ACCEPTED: 0x00,
  CONGESTION: 0x01,
  INVALID_TOPIC_ID: 0x02,
  NOT_SUPPORTED: 0x03,
  NOT_AUTHORIZED: 0x80,
} as const;
export type ReturnCode = number;

/** §5.3.4 Flags, TopicIdType bits 1-0. */
export const TopicIdType = {
  /** Normal topic id; in SUBSCRIBE/UNSUBSCRIBE: a topic name follows. */
  NORMAL: 0b00,
  PREDEFINED: 0b01,
  SHORT: 0b10,
  RESERVED: 0b11,
} as const;
export type TopicIdType = (typeof TopicIdType)[keyof typeof TopicIdType];

/** §5.3.4 Flags masks. QoS bits 6-5: 00 = 0, 01 = 1, 10 = 2, 11 = -1. */
export const Flag = {
  DUP: 0x80,
  QOS_MASK: 0x60,
  QOS_SHIFT: 5,
  RETAIN: 0x10,
  WILL: 0x08,
  CLEAN_SESSION: 0x04,
  TOPIC_ID_TYPE_MASK: 0x03,
} as const;

/** §5.3.3 CONNECT ProtocolId. */
export const PROTOCOL_ID = 0x01;

/** §5.2.1 Length: one octet up to 255, else 0x01 followed by two octets. */
export const LONG_LENGTH_MARKER = 0x01;
export const MAX_MESSAGE_LENGTH = 0xffff;

/** MQTT-SN QoS including -1 (§6.8 "QoS level -1"). */
export type SnQos = -1 | 0 | 1 | 2;
