import { MsgType } from '../constants.js';
import type { RegAck, Register } from '../types.js';
import { checkU16, checkU8, exactly, need, readU16, readUtf8, writeU16 } from '../primitives.js';
import type { PacketCodec } from './packet-codec.js';

/** MQTT-SN v1.2 §5.4.10 REGISTER: TopicId (2; 0 from a client), MsgId (2), TopicName. */
export const registerCodec: PacketCodec<Register> = {
  read(buf, start, end) {
    need(start, end, 4, 'REGISTER');
    return {
      type: MsgType.REGISTER,
      topicId: readU16(buf, start),
      msgId: readU16(buf, start + 2),
      topicName: readUtf8(buf, start + 4, end, 'REGISTER.topicName'),
    };
  },
  size(p) {
    checkU16(p.topicId, 'REGISTER.topicId');
    checkU16(p.msgId, 'REGISTER.msgId');
    return 4 + Buffer.byteLength(p.topicName, 'utf8');
  },
  write(p, buf, offset) {
    writeU16(buf, offset, p.topicId);
    writeU16(buf, offset + 2, p.msgId);
    buf.write(p.topicName, offset + 4, 'utf8');
  },
};

/** §5.4.11 REGACK: TopicId (2), MsgId (2), ReturnCode (1). */
export const regAckCodec: PacketCodec<RegAck> = {
  read(buf, start, end) {
    exactly(start, end, 5, 'REGACK');
    return { type: MsgType.REGACK, topicId: readU16(buf, start), msgId: readU16(buf, start + 2), returnCode: buf[start + 4] };
  },
  size(p) {
    checkU16(p.topicId, 'REGACK.topicId');
    checkU16(p.msgId, 'REGACK.msgId');
    checkU8(p.returnCode, 'REGACK.returnCode');
    return 5;
  },
  write(p, buf, offset) {
    writeU16(buf, offset, p.topicId);
    writeU16(buf, offset + 2, p.msgId);
    buf[offset + 4] = p.returnCode;
  },
};
