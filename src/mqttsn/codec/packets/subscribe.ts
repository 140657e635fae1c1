import { Flag, MsgType } from '../constants.js';
import type { SubAck, Subscribe, UnsubAck, Unsubscribe } from '../types.js';
import { checkU16, checkU8, decodeQos, encodeQos, exactly, need, readU16, writeU16 } from '../primitives.js';
import { msgIdCodec, type PacketCodec } from './packet-codec.js';
import { readTopicTail, topicTailSize, topicTailType, writeTopicTail } from './topic-ref.js';

/** MQTT-SN v1.2 §5.4.15 SUBSCRIBE: Flags (DUP, QoS, TopicIdType), MsgId (2), TopicName | TopicId | short name. */
export const subscribeCodec: PacketCodec<Subscribe> = {
  read(buf, start, end) {
    need(start, end, 3, 'SUBSCRIBE');
    const flags = buf[start];
    return {
      type: MsgType.SUBSCRIBE,
      dup: (flags & Flag.DUP) !== 0,
      qos: decodeQos(flags),
      msgId: readU16(buf, start + 1),
      topic: readTopicTail(buf, start + 3, end, flags, 'SUBSCRIBE'),
    };
  },
  size(p) {
    encodeQos(p.qos);
    checkU16(p.msgId, 'SUBSCRIBE.msgId');
    return 3 + topicTailSize(p.topic, 'SUBSCRIBE');
  },
  write(p, buf, offset) {
    buf[offset] = (p.dup ? Flag.DUP : 0) | encodeQos(p.qos) | topicTailType(p.topic);
    writeU16(buf, offset + 1, p.msgId);
    writeTopicTail(p.topic, buf, offset + 3);
  },
};

/** §5.4.16 SUBACK: Flags (granted QoS), TopicId (2), MsgId (2), ReturnCode (1). */
export const subAckCodec: PacketCodec<SubAck> = {
  read(buf, start, end) {
    exactly(start, end, 6, 'SUBACK');
    return {
      type: MsgType.SUBACK,
      qos: decodeQos(buf[start]),
      topicId: readU16(buf, start + 1),
      msgId: readU16(buf, start + 3),
      returnCode: buf[start + 5],
    };
  },
  size(p) {
    encodeQos(p.qos);
    checkU16(p.topicId, 'SUBACK.topicId');
    checkU16(p.msgId, 'SUBACK.msgId');
    checkU8(p.returnCode, 'SUBACK.returnCode');
    return 6;
  },
  write(p, buf, offset) {
    buf[offset] = encodeQos(p.qos);
    writeU16(buf, offset + 1, p.topicId);
    writeU16(buf, offset + 3, p.msgId);
    buf[offset + 5] = p.returnCode;
  },
};

/** §5.4.17 UNSUBSCRIBE: Flags (TopicIdType only), MsgId (2), TopicName | TopicId | short name. */
export const unsubscribeCodec: PacketCodec<Unsubscribe> = {
  read(buf, start, end) {
    need(start, end, 3, 'UNSUBSCRIBE');
    const flags = buf[start];
    return {
      type: MsgType.UNSUBSCRIBE,
      msgId: readU16(buf, start + 1),
      topic: readTopicTail(buf, start + 3, end, flags, 'UNSUBSCRIBE'),
    };
  },
  size(p) {
    checkU16(p.msgId, 'UNSUBSCRIBE.msgId');
    return 3 + topicTailSize(p.topic, 'UNSUBSCRIBE');
  },
  write(p, buf, offset) {
    buf[offset] = topicTailType(p.topic);
    writeU16(buf, offset + 1, p.msgId);
    writeTopicTail(p.topic, buf, offset + 3);
  },
};

/** §5.4.18 UNSUBACK: MsgId (2). */
export const unsubAckCodec: PacketCodec<UnsubAck> = msgIdCodec(MsgType.UNSUBACK, 'UNSUBACK');
