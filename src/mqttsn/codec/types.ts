import type { MsgType, SnQos, TopicIdType } from './constants.js';

/**
 * One interface per MQTT-SN v1.2 message (§5.4). `type` is the discriminator.
 * Topic references in PUBLISH / SUBSCRIBE / UNSUBSCRIBE / PUBACK are a
 * `TopicRef`: a numeric id (normal or predefined), a two-character short
 * name, or (SUBSCRIBE / UNSUBSCRIBE only) a full topic name.
 */

export type TopicRef =
  | { readonly kind: 'normal'; readonly id: number }
  | { readonly kind: 'predefined'; readonly id: number }
  | { readonly kind: 'short'; readonly name: string }
  /** SUBSCRIBE / UNSUBSCRIBE with TopicIdType 0b00: a name, possibly with wildcards. */
  | { readonly kind: 'name'; readonly name: string }
  /** TopicIdType 0b11 (reserved): kept so the gateway can answer 0x03 instead of failing to parse. */
  | { readonly kind: 'reserved'; readonly raw: Buffer };

export interface Advertise {
  readonly type: typeof MsgType.ADVERTISE;
  readonly gwId: number;
  readonly duration: number;
}
export interface SearchGw {
  readonly type: typeof MsgType.SEARCHGW;
  readonly radius: number;
}
/** `gwAdd` is present only when a client answers on behalf of a gateway. */
export interface GwInfo {
  readonly type: typeof MsgType.GWINFO;
  readonly gwId: number;
  readonly gwAdd?: Buffer | undefined;
}

export interface Connect {
  readonly type: typeof MsgType.CONNECT;
  readonly will: boolean;
  readonly cleanSession: boolean;
  readonly protocolId: number;
  /** Keepalive, seconds. */
  readonly duration: number;
  readonly clientId: string;
}
export interface ConnAck {
  readonly type: typeof MsgType.CONNACK;
  readonly returnCode: number;
}
export interface WillTopicReq {
  readonly type: typeof MsgType.WILLTOPICREQ;
}
/** An empty WILLTOPIC (no flags, no topic) means "no will": `topic` is then undefined. */
export interface WillTopic {
  readonly type: typeof MsgType.WILLTOPIC;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly topic: string | undefined;
}
export interface WillMsgReq {
  readonly type: typeof MsgType.WILLMSGREQ;
}
export interface WillMsg {
  readonly type: typeof MsgType.WILLMSG;
  readonly message: Buffer;
}

export interface Register {
  readonly type: typeof MsgType.REGISTER;
  /** 0 when sent by a client. */
  readonly topicId: number;
  readonly msgId: number;
  readonly topicName: string;
}
export interface RegAck {
  readonly type: typeof MsgType.REGACK;
  readonly topicId: number;
  readonly msgId: number;
  readonly returnCode: number;
}

export interface Publish {
  readonly type: typeof MsgType.PUBLISH;
  readonly dup: boolean;
  readonly qos: SnQos;
  readonly retain: boolean;
  /** kind is 'normal', 'predefined', 'short' or 'reserved' (never 'name'). */
  readonly topic: TopicRef;
  readonly msgId: number;
  readonly data: Buffer;
}
/** The topic-id field is raw here: PUBACK echoes a short name's two bytes as a number. */
export interface PubAck {
  readonly type: typeof MsgType.PUBACK;
  readonly topicId: number;
  readonly msgId: number;
  readonly returnCode: number;
}
export interface PubRec {
  readonly type: typeof MsgType.PUBREC;
  readonly msgId: number;
}
export interface PubRel {
  readonly type: typeof MsgType.PUBREL;
  readonly msgId: number;
}
export interface PubComp {
  readonly type: typeof MsgType.PUBCOMP;
  readonly msgId: number;
}

export interface Subscribe {
  readonly type: typeof MsgType.SUBSCRIBE;
  readonly dup: boolean;
  readonly qos: SnQos;
  readonly msgId: number;
  readonly topic: TopicRef;
}
export interface SubAck {
  readonly type: typeof MsgType.SUBACK;
  readonly qos: SnQos;
  readonly topicId: number;
  readonly msgId: number;
  readonly returnCode: number;
}
export interface Unsubscribe {
  readonly type: typeof MsgType.UNSUBSCRIBE;
  readonly msgId: number;
  readonly topic: TopicRef;
}
export interface UnsubAck {
  readonly type: typeof MsgType.UNSUBACK;
  readonly msgId: number;
}

/** `clientId` present only when a sleeping client wakes up (§6.14). */
export interface PingReq {
  readonly type: typeof MsgType.PINGREQ;
  readonly clientId?: string | undefined;
}
export interface PingResp {
  readonly type: typeof MsgType.PINGRESP;
}
/** `duration` (seconds) present = go to sleep (§6.14). */
export interface Disconnect {
  readonly type: typeof MsgType.DISCONNECT;
  readonly duration?: number | undefined;
}

/** Empty WILLTOPICUPD (no flags, no topic) deletes the will: `topic` undefined. */
export interface WillTopicUpd {
  readonly type: typeof MsgType.WILLTOPICUPD;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly topic: string | undefined;
}
export interface WillTopicResp {
  readonly type: typeof MsgType.WILLTOPICRESP;
  readonly returnCode: number;
}
export interface WillMsgUpd {
  readonly type: typeof MsgType.WILLMSGUPD;
  readonly message: Buffer;
}
export interface WillMsgResp {
  readonly type: typeof MsgType.WILLMSGRESP;
  readonly returnCode: number;
}

/** §5.5 Forwarder encapsulation: Ctrl (radius in bits 1-0), Wireless Node Id, then one whole MQTT-SN message. */
export interface Encapsulated {
  readonly type: typeof MsgType.ENCAPSULATED;
  readonly radius: number;
  readonly wirelessNodeId: Buffer;
  /** The encapsulated message, already parsed. */
  readonly message: MqttSnPacket;
}

export type MqttSnPacket =
  | Advertise
  | SearchGw
  | GwInfo
  | Connect
  | ConnAck
  | WillTopicReq
  | WillTopic
  | WillMsgReq
  | WillMsg
  | Register
  | RegAck
  | Publish
  | PubAck
  | PubRec
  | PubRel
  | PubComp
  | Subscribe
  | SubAck
  | Unsubscribe
  | UnsubAck
  | PingReq
  | PingResp
  | Disconnect
  | WillTopicUpd
  | WillTopicResp
  | WillMsgUpd
  | WillMsgResp
  | Encapsulated;

export type { TopicIdType };
