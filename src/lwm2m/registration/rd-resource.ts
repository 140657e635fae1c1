import type { Peer } from '../../transport/bind.js';
import { decodeStrictUtf8 } from '../../topics/topic-rules.js';
import { CoapCode } from '../coap/codes.js';
import type { CoapReply } from '../coap/coap-endpoint.js';
import { CoapOption, optionValues, type CoapMessage } from '../coap/message.js';
import { OPEN_GATE, type EndpointGate, type RdResult, type Registrar } from './registrar.js';

/**
 * CoAP adapter of the registration interface (LwM2M 1.1 Transport §6.2):
 * maps `/rd` requests onto the Registrar and its results onto CoAP codes.
 *
 * No answer carries a diagnostic payload (RFC 7252 §5.5.2 allows one, but an
 * answer to an unverified peer must stay within 3x the request, RFC 7252
 * §11.3): the reason goes to the debug log instead (CoapReply.reason).
 */
export function handleRdRequest(registrar: Registrar, msg: CoapMessage, peer: Peer, listener: number, gate: EndpointGate = OPEN_GATE): CoapReply {
  const path = strictStrings(msg, CoapOption.URI_PATH);
  const query = strictStrings(msg, CoapOption.URI_QUERY);
  if (path === undefined || query === undefined) return refuse(CoapCode.BAD_REQUEST, 'Uri-Path or Uri-Query is not valid UTF-8');
  if (msg.code === CoapCode.POST) {
    if (path.length === 1 && path[0] === 'rd') return toReply(registrar.register(query, msg.payload, peer, listener, gate));
    if (path.length === 2 && path[0] === 'rd') return toReply(registrar.update(path[1], query, msg.payload, peer, listener, gate));
    // Other POST targets (no path, /bad, 1.1 Send /dp) are not served, as EMQX.
    return refuse(CoapCode.NOT_FOUND, 'not found');
  }
  if (msg.code === CoapCode.DELETE) {
    if (path.length === 0) return refuse(CoapCode.BAD_REQUEST, 'DELETE needs a registration location');
    if (path.length === 2 && path[0] === 'rd') return toReply(registrar.deregister(path[1], gate));
    return refuse(CoapCode.NOT_FOUND, 'not found');
  }
  if (path.length >= 1 && path[0] === 'rd') return refuse(CoapCode.METHOD_NOT_ALLOWED, 'method not allowed');
  return refuse(CoapCode.NOT_FOUND, 'not found');
}

/** Option values as strings; undefined when one is not well-formed UTF-8 (RFC 7252 §3.2: string options are UTF-8). */
function strictStrings(msg: CoapMessage, number: number): string[] | undefined {
  const out: string[] = [];
  for (const value of optionValues(msg, number)) {
    const text = decodeStrictUtf8(value);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return out;
}

function toReply(result: RdResult): CoapReply {
  switch (result.code) {
    case '2.01':
      return { code: result.code, options: result.location.map((seg) => ({ number: CoapOption.LOCATION_PATH, value: Buffer.from(seg) })) };
    case '2.02':
    case '2.04':
      return { code: result.code };
    default:
      return refuse(result.code, result.reason);
  }
}

function refuse(code: string, reason: string): CoapReply {
  return { code, reason };
}
