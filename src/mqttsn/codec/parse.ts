import { LONG_LENGTH_MARKER, MsgType } from './constants.js';
import type { MqttSnPacket } from './types.js';
import { CodecError } from './codec-error.js';
import { codecByType, type PlainPacket } from './codec-table.js';
import { readEncapsulationHeaderLength } from './packets/encapsulation.js';
import { setKeepInvalidUtf8 } from './primitives.js';
import { msgTypeName } from './msg-type-name.js';

/**
 * Parses one MQTT-SN v1.2 datagram. Throws CodecError (code GW_ERR_CODEC, with a `reason`) on any
 * malformed input and nothing else.
 *
 * Zero-copy: Buffer fields of the result (`data`, `message`, `gwAdd`, `wirelessNodeId`, a reserved
 * topic's `raw`) are views into `buf`. Copy them if they must outlive `buf` or if `buf` is reused.
 *
 * Not parse errors (the gateway answers them): a CONNECT ProtocolId other than 0x01 (kept in
 * `protocolId`), an empty ClientId, TopicIdType 0b11 (kind 'reserved'), a REGISTER with an empty name.
 *
 * With `keepInvalidUtf8`, a client id or topic name that is not valid UTF-8 is not a parse error
 * either: each offending octet becomes a lone surrogate (U+DC80..U+DCFF), which the topic rules
 * refuse, so the gateway answers with the message's return code instead of dropping it.
 */
export function parsePacket(buf: Buffer, options?: { readonly keepInvalidUtf8?: boolean }): MqttSnPacket {
  if (options?.keepInvalidUtf8 !== true) return parseDatagram(buf);
  setKeepInvalidUtf8(true); // parsing is synchronous: no other parse can see the flag
  try {
    return parseDatagram(buf);
  } finally {
    setKeepInvalidUtf8(false);
  }
}

function parseDatagram(buf: Buffer): MqttSnPacket {
  // §5.5: a one-octet Length followed by MsgType 0xFE is a forwarder encapsulation.
  if (buf.length >= 2 && buf[1] === MsgType.ENCAPSULATED && buf[0] !== LONG_LENGTH_MARKER) {
    const headerLength = readEncapsulationHeaderLength(buf);
    return {
      type: MsgType.ENCAPSULATED,
      radius: buf[2] & 0x03,
      wirelessNodeId: buf.subarray(3, headerLength),
      message: parseMessage(buf, headerLength, true),
    };
  }
  return parseMessage(buf, 0, false);
}

/** §5.2 General message format, for the message occupying `buf[offset..]` entirely. */
function parseMessage(buf: Buffer, offset: number, encapsulated: boolean): PlainPacket {
  const available = buf.length - offset;
  if (available < 2) throw new CodecError('TOO_SHORT', `datagram of ${available} octets is shorter than an MQTT-SN header`, { got: available });
  let declared = buf[offset];
  let typeAt = offset + 1;
  // §5.2.1: 0x01 announces a three-octet Length (0x01 + big-endian 16 bits).
  if (declared === LONG_LENGTH_MARKER) {
    if (available < 4) throw new CodecError('TOO_SHORT', `datagram of ${available} octets is shorter than a three-octet-Length header`, { got: available });
    declared = (buf[offset + 1] << 8) | buf[offset + 2];
    typeAt = offset + 3;
    if (declared < 4) throw new CodecError('BAD_LENGTH', `three-octet Length ${declared} is below the 4-octet header`, { length: declared });
  } else if (declared === 0) {
    throw new CodecError('BAD_LENGTH', 'Length 0 is invalid', { length: 0 });
  }
  const type = buf[typeAt];
  // Checked before the Length: an encapsulation's Length covers only its own header (§5.5).
  if (type === MsgType.ENCAPSULATED) {
    throw encapsulated
      ? new CodecError('NESTED_ENCAPSULATION', 'a forwarder encapsulation cannot contain another one (§5.5)')
      : new CodecError('BAD_LENGTH', 'a forwarder encapsulation has a one-octet Length (§5.5)');
  }
  if (declared !== available) {
    throw new CodecError('LENGTH_MISMATCH', `declared Length ${declared} but the datagram holds ${available} octets`, {
      length: declared,
      got: available,
    });
  }
  const codec = codecByType[type];
  if (codec === undefined) {
    throw new CodecError('UNKNOWN_TYPE', `reserved or unknown MsgType ${msgTypeName(type)}`, { msgType: type });
  }
  return codec.read(buf, typeAt + 1, buf.length);
}
