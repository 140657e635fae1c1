import { GatewayError } from '../../errors.js';

/**
 * Why a datagram could not be parsed, or a packet could not be generated.
 * - TOO_SHORT: fewer octets than the header or the message's fixed fields need (truncated).
 * - BAD_LENGTH: the Length field itself is invalid (0, a one-octet length below 2, a three-octet
 *   length below 4, or a three-octet length on a forwarder encapsulation).
 * - LENGTH_MISMATCH: the declared Length differs from the datagram's size.
 * - TRAILING_BYTES: a fixed-size message carries extra octets.
 * - UNKNOWN_TYPE: a reserved or unknown MsgType.
 * - BAD_FIELD: a field value the message cannot carry (QoS -1 in a will, a short topic name that is
 *   not two octets, a number out of range, a topic kind the message type does not allow).
 * - BAD_UTF8: a string field (client id, topic name) that is not valid UTF-8.
 * - NESTED_ENCAPSULATION: a forwarder encapsulation inside another one (MQTT-SN v1.2 §5.5).
 * - TOO_LONG: generating a message above 65535 octets (§5.2.1), or a node id too long for the
 *   one-octet encapsulation Length.
 */
export type CodecErrorReason =
  'TOO_SHORT' | 'BAD_LENGTH' | 'LENGTH_MISMATCH' | 'TRAILING_BYTES' | 'UNKNOWN_TYPE' | 'BAD_FIELD' | 'BAD_UTF8' | 'NESTED_ENCAPSULATION' | 'TOO_LONG';

export class CodecError extends GatewayError {
  readonly reason: CodecErrorReason;

  constructor(reason: CodecErrorReason, message: string, details?: Record<string, unknown>) {
    super('GW_ERR_CODEC', message, details === undefined ? undefined : { details });
    this.reason = reason;
  }
}
