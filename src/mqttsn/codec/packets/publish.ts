import { Flag, MsgType } from '../constants.js';
import type { PubAck, PubComp, PubRec, PubRel, Publish } from '../types.js';
import { checkU16, checkU8, decodeQos, encodeQos, exactly, need, readU16, writeU16 } from '../primitives.js';
import { msgIdCodec, type PacketCodec } from './packet-codec.js';
import { readTopicIdField, topicIdFieldBits, topicIdFieldType, writeTopicIdField } from './topic-ref.js';

/**
 * MQTT-SN v1.2 §5.4.12 PUBLISH: Flags (DUP, QoS, Retain, TopicIdType), TopicId (2), MsgId (2), Data.
 * A parsed `data` is a view into the received datagram (no copy): copy it if it must outlive the datagram buffer.
 */
export const publishCodec: PacketCodec<Publish> = {
  read(buf, start, end) {
    need(start, end, 5, 'PUBLISH');
    const flags = buf[start];
    return {
      type: MsgType.PUBLISH,
      dup: (flags & Flag.DUP) !== 0,
      qos: decodeQos(flags),
      retain: (flags & Flag.RETAIN) !== 0,
      topic: readTopicIdField(buf, start + 1, flags, 'PUBLISH'),
      msgId: readU16(buf, start + 3),
      data: buf.subarray(start + 5, end),
    };
  },
  size(p) {
    encodeQos(p.qos);
    topicIdFieldType(p.topic, 'PUBLISH');
    checkU16(p.msgId, 'PUBLISH.msgId');
    return 5 + p.data.length;
  },
  write(p, buf, offset) {
    buf[offset] = (p.dup ? Flag.DUP : 0) | encodeQos(p.qos) | (p.retain ? Flag.RETAIN : 0) | topicIdFieldBits(p.topic);
    writeTopicIdField(p.topic, buf, offset + 1);
    writeU16(buf, offset + 3, p.msgId);
    p.data.copy(buf, offset + 5);
  },
};

/** §5.4.13 PUBACK: TopicId (2, raw), MsgId (2), ReturnCode (1). */
export const pubAckCodec: PacketCodec<PubAck> = {
  read(buf, start, end) {
    exactly(start, end, 5, 'PUBACK');
    return { type: MsgType.PUBACK, topicId: readU16(buf, start), msgId: readU16(buf, start + 2), returnCode: buf[start + 4] };
  },
  size(p) {
    checkU16(p.topicId, 'PUBACK.topicId');
    checkU16(p.msgId, 'PUBACK.msgId');
    checkU8(p.returnCode, 'PUBACK.returnCode');
    return 5;
  },
  write(p, buf, offset) {
    writeU16(buf, offset, p.topicId);
    writeU16(buf, offset + 2, p.msgId);
    buf[offset + 4] = p.returnCode;
  },
};

/** §5.4.14 PUBREC, PUBREL, PUBCOMP: MsgId (2). */
export const pubRecCodec: PacketCodec<PubRec> = msgIdCodec(MsgType.PUBREC, 'PUBREC');
export const pubRelCodec: PacketCodec<PubRel> = msgIdCodec(MsgType.PUBREL, 'PUBREL');
export const pubCompCodec: PacketCodec<PubComp> = msgIdCodec(MsgType.PUBCOMP, 'PUBCOMP');
