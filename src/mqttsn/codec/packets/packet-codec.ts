import type { MqttSnPacket } from '../types.js';
import { checkU16, checkU8, exactly, readU16, writeU16 } from '../primitives.js';

/**
 * Reader/writer pair for one MsgType. Offsets cover the message body only: the octets after
 * MsgType. `size` validates the packet's fields and returns the body size; `write` then fills
 * exactly that many octets (it may assume `size` succeeded).
 */
export interface PacketCodec<P extends MqttSnPacket> {
  read(buf: Buffer, start: number, end: number): P;
  size(packet: P): number;
  write(packet: P, buf: Buffer, offset: number): void;
}

type WithType<T extends number> = Extract<MqttSnPacket, { readonly type: T }>;

/** Messages with no body (WILLTOPICREQ, WILLMSGREQ, PINGRESP). */
export function headerOnlyCodec<T extends number>(type: T, name: string): PacketCodec<WithType<T>> {
  const packet = Object.freeze({ type }) as unknown as WithType<T>;
  return {
    read(_buf, start, end) {
      exactly(start, end, 0, name);
      return packet;
    },
    size: () => 0,
    write: () => undefined,
  };
}

/** Messages whose body is one ReturnCode octet (CONNACK, WILLTOPICRESP, WILLMSGRESP). */
export function returnCodeCodec<T extends number>(type: T, name: string): PacketCodec<WithType<T>> {
  type P = WithType<T> & { readonly returnCode: number };
  const codec: PacketCodec<P> = {
    read(buf, start, end) {
      exactly(start, end, 1, name);
      return { type, returnCode: buf[start] } as P;
    },
    size(p) {
      checkU8(p.returnCode, `${name}.returnCode`);
      return 1;
    },
    write(p, buf, offset) {
      buf[offset] = p.returnCode;
    },
  };
  return codec;
}

/** Messages whose body is one MsgId (PUBREC, PUBREL, PUBCOMP, UNSUBACK). */
export function msgIdCodec<T extends number>(type: T, name: string): PacketCodec<WithType<T>> {
  type P = WithType<T> & { readonly msgId: number };
  const codec: PacketCodec<P> = {
    read(buf, start, end) {
      exactly(start, end, 2, name);
      return { type, msgId: readU16(buf, start) } as P;
    },
    size(p) {
      checkU16(p.msgId, `${name}.msgId`);
      return 2;
    },
    write(p, buf, offset) {
      writeU16(buf, offset, p.msgId);
    },
  };
  return codec;
}
