import { MsgType } from '../constants.js';
import type { Advertise, GwInfo, SearchGw } from '../types.js';
import { checkU16, checkU8, exactly, need, readU16, writeU16 } from '../primitives.js';
import type { PacketCodec } from './packet-codec.js';

/** MQTT-SN v1.2 §5.4.1 ADVERTISE: GwId (1), Duration (2). */
export const advertiseCodec: PacketCodec<Advertise> = {
  read(buf, start, end) {
    exactly(start, end, 3, 'ADVERTISE');
    return { type: MsgType.ADVERTISE, gwId: buf[start], duration: readU16(buf, start + 1) };
  },
  size(p) {
    checkU8(p.gwId, 'ADVERTISE.gwId');
    checkU16(p.duration, 'ADVERTISE.duration');
    return 3;
  },
  write(p, buf, offset) {
    buf[offset] = p.gwId;
    writeU16(buf, offset + 1, p.duration);
  },
};

/** §5.4.2 SEARCHGW: Radius (1). */
export const searchGwCodec: PacketCodec<SearchGw> = {
  read(buf, start, end) {
    exactly(start, end, 1, 'SEARCHGW');
    return { type: MsgType.SEARCHGW, radius: buf[start] };
  },
  size(p) {
    checkU8(p.radius, 'SEARCHGW.radius');
    return 1;
  },
  write(p, buf, offset) {
    buf[offset] = p.radius;
  },
};

/**
 * §5.4.3 GWINFO: GwId (1), GwAdd (variable, only when sent by a client on a gateway's behalf).
 * A parsed `gwAdd` is a view into the received datagram (no copy).
 */
export const gwInfoCodec: PacketCodec<GwInfo> = {
  read(buf, start, end) {
    need(start, end, 1, 'GWINFO');
    const gwId = buf[start];
    return end - start > 1 ? { type: MsgType.GWINFO, gwId, gwAdd: buf.subarray(start + 1, end) } : { type: MsgType.GWINFO, gwId };
  },
  size(p) {
    checkU8(p.gwId, 'GWINFO.gwId');
    return 1 + (p.gwAdd?.length ?? 0);
  },
  write(p, buf, offset) {
    buf[offset] = p.gwId;
    if (p.gwAdd !== undefined) p.gwAdd.copy(buf, offset + 1);
  },
};
