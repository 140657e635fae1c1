import { Flag, MsgType } from '../constants.js';
import type { Connect, Disconnect, PingReq, PingResp } from '../types.js';
import { CodecError } from '../codec-error.js';
import { checkU16, checkU8, need, readU16, readUtf8, writeU16 } from '../primitives.js';
import { headerOnlyCodec, returnCodeCodec, type PacketCodec } from './packet-codec.js';

/**
 * MQTT-SN v1.2 §5.4.4 CONNECT: Flags (1; Will, CleanSession), ProtocolId (1), Duration (2), ClientId.
 * A ProtocolId other than 0x01 is NOT a parse error: the gateway answers it, so it is kept.
 * An empty ClientId is allowed here; the gateway decides what it means.
 */
export const connectCodec: PacketCodec<Connect> = {
  read(buf, start, end) {
    need(start, end, 4, 'CONNECT');
    const flags = buf[start];
    return {
      type: MsgType.CONNECT,
      will: (flags & Flag.WILL) !== 0,
      cleanSession: (flags & Flag.CLEAN_SESSION) !== 0,
      protocolId: buf[start + 1],
      duration: readU16(buf, start + 2),
      clientId: readUtf8(buf, start + 4, end, 'CONNECT.clientId'),
    };
  },
  size(p) {
    checkU8(p.protocolId, 'CONNECT.protocolId');
    checkU16(p.duration, 'CONNECT.duration');
    return 4 + Buffer.byteLength(p.clientId, 'utf8');
  },
  write(p, buf, offset) {
    buf[offset] = (p.will ? Flag.WILL : 0) | (p.cleanSession ? Flag.CLEAN_SESSION : 0);
    buf[offset + 1] = p.protocolId;
    writeU16(buf, offset + 2, p.duration);
    buf.write(p.clientId, offset + 4, 'utf8');
  },
};

/** §5.4.19 PINGREQ: ClientId present only when a sleeping client wakes (§6.14). Empty = absent. */
export const pingReqCodec: PacketCodec<PingReq> = {
  read(buf, start, end) {
    return end > start ? { type: MsgType.PINGREQ, clientId: readUtf8(buf, start, end, 'PINGREQ.clientId') } : { type: MsgType.PINGREQ };
  },
  size(p) {
    return p.clientId === undefined ? 0 : Buffer.byteLength(p.clientId, 'utf8');
  },
  write(p, buf, offset) {
    if (p.clientId !== undefined) buf.write(p.clientId, offset, 'utf8');
  },
};

/** §5.4.20 PINGRESP: header only. */
export const pingRespCodec: PacketCodec<PingResp> = headerOnlyCodec(MsgType.PINGRESP, 'PINGRESP');

/** §5.4.21 DISCONNECT: optional Duration (2) = sleep duration (§6.14); absent = normal disconnect. */
export const disconnectCodec: PacketCodec<Disconnect> = {
  read(buf, start, end) {
    const len = end - start;
    if (len === 0) return { type: MsgType.DISCONNECT };
    if (len === 2) return { type: MsgType.DISCONNECT, duration: readU16(buf, start) };
    throw new CodecError(len < 2 ? 'TOO_SHORT' : 'TRAILING_BYTES', `DISCONNECT: expects 0 or 2 octets after MsgType, got ${len}`, {
      got: len,
    });
  },
  size(p) {
    if (p.duration === undefined) return 0;
    checkU16(p.duration, 'DISCONNECT.duration');
    return 2;
  },
  write(p, buf, offset) {
    if (p.duration !== undefined) writeU16(buf, offset, p.duration);
  },
};

/** §5.4.5 CONNACK: ReturnCode (1). */
export const connAckCodec = returnCodeCodec(MsgType.CONNACK, 'CONNACK');
