import { Flag, MsgType } from '../constants.js';
import type { WillMsg, WillMsgReq, WillMsgUpd, WillTopic, WillTopicReq, WillTopicUpd } from '../types.js';
import { CodecError } from '../codec-error.js';
import { decodeQos, encodeQos, readUtf8 } from '../primitives.js';
import { headerOnlyCodec, returnCodeCodec, type PacketCodec } from './packet-codec.js';

/** §5.4.5 WILLTOPICREQ / §5.4.7 WILLMSGREQ: header only. */
export const willTopicReqCodec: PacketCodec<WillTopicReq> = headerOnlyCodec(MsgType.WILLTOPICREQ, 'WILLTOPICREQ');
export const willMsgReqCodec: PacketCodec<WillMsgReq> = headerOnlyCodec(MsgType.WILLMSGREQ, 'WILLMSGREQ');

/** §5.4.23 WILLTOPICRESP / §5.4.25 WILLMSGRESP: ReturnCode (1). */
export const willTopicRespCodec = returnCodeCodec(MsgType.WILLTOPICRESP, 'WILLTOPICRESP');
export const willMsgRespCodec = returnCodeCodec(MsgType.WILLMSGRESP, 'WILLMSGRESP');

type WillTopicLike = WillTopic | WillTopicUpd;

/**
 * §5.4.6 WILLTOPIC / §5.4.22 WILLTOPICUPD: Flags (QoS, Retain), WillTopic.
 * No body at all = "no will" / "delete will": `topic` undefined (qos 0, retain false).
 * Flags without a topic parse as `topic: ''` and generate back the same way.
 * QoS -1 cannot apply to a will and is refused (BAD_FIELD).
 */
function makeWillTopicCodec<T extends WillTopicLike['type']>(type: T, name: string): PacketCodec<Extract<WillTopicLike, { type: T }>> {
  const codec: PacketCodec<WillTopicLike> = {
    read(buf, start, end) {
      if (end === start) return { type, qos: 0, retain: false, topic: undefined };
      const flags = buf[start];
      const qos = decodeQos(flags);
      if (qos === -1) throw new CodecError('BAD_FIELD', `${name}: QoS -1 is not allowed for a will`, { field: 'qos' });
      return {
        type,
        qos,
        retain: (flags & Flag.RETAIN) !== 0,
        topic: readUtf8(buf, start + 1, end, `${name}.topic`),
      };
    },
    size(p) {
      if (p.topic === undefined) return 0;
      if (p.qos !== 0 && p.qos !== 1 && p.qos !== 2) {
        throw new CodecError('BAD_FIELD', `${name}: will QoS must be 0, 1 or 2`, { field: 'qos' });
      }
      return 1 + Buffer.byteLength(p.topic, 'utf8');
    },
    write(p, buf, offset) {
      if (p.topic === undefined) return;
      buf[offset] = encodeQos(p.qos) | (p.retain ? Flag.RETAIN : 0);
      buf.write(p.topic, offset + 1, 'utf8');
    },
  };
  return codec as PacketCodec<Extract<WillTopicLike, { type: T }>>;
}

export const willTopicCodec = makeWillTopicCodec(MsgType.WILLTOPIC, 'WILLTOPIC');
export const willTopicUpdCodec = makeWillTopicCodec(MsgType.WILLTOPICUPD, 'WILLTOPICUPD');

type WillMsgLike = WillMsg | WillMsgUpd;

/** §5.4.8 WILLMSG / §5.4.24 WILLMSGUPD: WillMsg octets (a view into the datagram when parsed). */
function willMessageCodec<T extends WillMsgLike['type']>(type: T): PacketCodec<Extract<WillMsgLike, { type: T }>> {
  const codec: PacketCodec<WillMsgLike> = {
    read: (buf, start, end) => ({ type, message: buf.subarray(start, end) }),
    size: (p) => p.message.length,
    write(p, buf, offset) {
      p.message.copy(buf, offset);
    },
  };
  return codec as PacketCodec<Extract<WillMsgLike, { type: T }>>;
}

export const willMsgCodec = willMessageCodec(MsgType.WILLMSG);
export const willMsgUpdCodec = willMessageCodec(MsgType.WILLMSGUPD);
