import { CoapOption, isValidBlock, type CoapMessage } from './message.js';

/**
 * Critical options (odd numbers, RFC 7252 §5.4.6) this server acts on in a
 * request. Anything else critical — If-Match 1, If-None-Match 5, OSCORE 9,
 * Proxy-Uri 35, Proxy-Scheme 39, 2049, ... — is unrecognised here.
 */
const UNDERSTOOD_CRITICAL: ReadonlySet<number> = new Set([
  CoapOption.URI_HOST,
  CoapOption.URI_PORT,
  CoapOption.URI_PATH,
  CoapOption.URI_QUERY,
  CoapOption.ACCEPT,
  CoapOption.BLOCK2,
  CoapOption.BLOCK1,
]);

export interface OptionProblem {
  readonly code: '4.00' | '4.02';
  readonly reason: string;
}

/**
 * Why a request cannot be served for its options: RFC 7252 §5.4.1 (an
 * unrecognised critical option in a CON request is answered 4.02 Bad
 * Option) and RFC 7959 §2.2 (a Block option longer than 3 bytes or with the
 * reserved SZX 7 is answered 4.00 Bad Request).
 */
export function requestOptionProblem(msg: CoapMessage): OptionProblem | undefined {
  for (const o of msg.options) {
    if ((o.number & 1) === 1 && !UNDERSTOOD_CRITICAL.has(o.number)) return { code: '4.02', reason: `unrecognised critical option ${o.number}` };
    if ((o.number === CoapOption.BLOCK1 || o.number === CoapOption.BLOCK2) && !isValidBlock(o.value)) {
      return { code: '4.00', reason: `invalid Block option ${o.number} (RFC 7959 §2.2)` };
    }
  }
  return undefined;
}

/** A response carrying an invalid Block option (RFC 7959 §2.2) cannot be processed: a message format error. */
export function hasInvalidBlockOption(msg: CoapMessage): boolean {
  for (const o of msg.options) {
    if ((o.number === CoapOption.BLOCK1 || o.number === CoapOption.BLOCK2) && !isValidBlock(o.value)) return true;
  }
  return false;
}
