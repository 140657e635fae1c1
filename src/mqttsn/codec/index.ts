/**
 * MQTT-SN v1.2 codec: `parsePacket(buf)` / `generatePacket(packet)`. Pure, synchronous, no I/O.
 * Parsed Buffer fields are zero-copy views into the datagram (see parse.ts); generate allocates
 * exactly one Buffer per message. All failures are `CodecError` (code 'GW_ERR_CODEC', `reason`).
 */
export * from './constants.js';
export type * from './types.js';
export { CodecError, type CodecErrorReason } from './codec-error.js';
export { parsePacket } from './parse.js';
export { generatePacket } from './generate.js';
export { msgTypeName } from './msg-type-name.js';
