import { CodecError } from '../codec-error.js';
import { checkU8 } from '../primitives.js';
import { MsgType } from '../constants.js';

/**
 * MQTT-SN v1.2 §5.5 forwarder encapsulation header: Length (1 octet, counting only this header,
 * itself included), MsgType 0xFE, Ctrl (1; broadcast radius in bits 1-0), Wireless Node Id
 * (variable). The whole encapsulated MQTT-SN message follows.
 */
export const ENCAPSULATION_FIXED = 3;
/** The one-octet Length bounds the node id: 255 - 3. */
export const MAX_NODE_ID_LENGTH = 0xff - ENCAPSULATION_FIXED;

/** Validates the header of a datagram whose octet 1 is 0xFE; returns the header length (= inner message offset). */
export function readEncapsulationHeaderLength(buf: Buffer): number {
  const headerLength = buf[0];
  if (headerLength < ENCAPSULATION_FIXED) {
    throw new CodecError('BAD_LENGTH', `encapsulation Length ${headerLength} is below ${ENCAPSULATION_FIXED}`, { length: headerLength });
  }
  if (headerLength >= buf.length) {
    throw new CodecError('TOO_SHORT', `encapsulation of ${buf.length} octets has no room for a message after its ${headerLength}-octet header`, {
      length: headerLength,
      got: buf.length,
    });
  }
  return headerLength;
}

export function encapsulationHeaderLength(radius: number, wirelessNodeId: Buffer): number {
  checkU8(radius, 'ENCAPSULATED.radius');
  if (radius > 3) throw new CodecError('BAD_FIELD', `encapsulation radius is 2 bits (0..3), got ${radius}`, { field: 'radius' });
  if (wirelessNodeId.length > MAX_NODE_ID_LENGTH) {
    throw new CodecError('TOO_LONG', `wireless node id of ${wirelessNodeId.length} octets exceeds ${MAX_NODE_ID_LENGTH}`, {
      length: wirelessNodeId.length,
    });
  }
  return ENCAPSULATION_FIXED + wirelessNodeId.length;
}

export function writeEncapsulationHeader(buf: Buffer, headerLength: number, radius: number, wirelessNodeId: Buffer): void {
  buf[0] = headerLength;
  buf[1] = MsgType.ENCAPSULATED;
  buf[2] = radius & 0x03;
  wirelessNodeId.copy(buf, ENCAPSULATION_FIXED);
}
