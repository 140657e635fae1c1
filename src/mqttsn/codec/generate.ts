import { MsgType } from './constants.js';
import type { MqttSnPacket } from './types.js';
import { CodecError } from './codec-error.js';
import { codecByType, type PlainPacket } from './codec-table.js';
import { encapsulationHeaderLength, writeEncapsulationHeader } from './packets/encapsulation.js';
import type { PacketCodec } from './packets/packet-codec.js';
import { totalLength, writeLength } from './primitives.js';

/**
 * Encodes one MQTT-SN v1.2 message into exactly one freshly allocated Buffer.
 * The three-octet Length form is chosen automatically when the message is 256 octets or more
 * (§5.2.1); above 65535 octets it throws CodecError 'TOO_LONG'. Invalid field values throw
 * CodecError 'BAD_FIELD'; an encapsulation inside an encapsulation throws 'NESTED_ENCAPSULATION'.
 */
export function generatePacket(packet: MqttSnPacket): Buffer {
  if (packet.type === MsgType.ENCAPSULATED) {
    const inner = packet.message;
    if (inner.type === MsgType.ENCAPSULATED) {
      throw new CodecError('NESTED_ENCAPSULATION', 'a forwarder encapsulation cannot contain another one (§5.5)');
    }
    const headerLength = encapsulationHeaderLength(packet.radius, packet.wirelessNodeId);
    const codec = codecOf(inner);
    const body = codec.size(inner);
    const total = totalLength(1 + body);
    const buf = Buffer.allocUnsafe(headerLength + total);
    writeEncapsulationHeader(buf, headerLength, packet.radius, packet.wirelessNodeId);
    writeMessage(codec, inner, buf, headerLength, total);
    return buf;
  }
  const codec = codecOf(packet);
  const total = totalLength(1 + codec.size(packet));
  const buf = Buffer.allocUnsafe(total);
  writeMessage(codec, packet, buf, 0, total);
  return buf;
}

function codecOf(packet: PlainPacket): PacketCodec<PlainPacket> {
  const codec = codecByType[packet.type];
  if (codec === undefined) {
    throw new CodecError('UNKNOWN_TYPE', `cannot generate MsgType ${String(packet.type)}`, { msgType: packet.type });
  }
  return codec;
}

function writeMessage(codec: PacketCodec<PlainPacket>, packet: PlainPacket, buf: Buffer, offset: number, total: number): void {
  const typeAt = writeLength(buf, offset, total);
  buf[typeAt] = packet.type;
  codec.write(packet, buf, typeAt + 1);
}
