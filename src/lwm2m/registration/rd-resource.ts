import type { Peer } from '../../transport/bind.js';
import { CoapCode } from '../coap/codes.js';
import type { CoapReply } from '../coap/coap-endpoint.js';
import { CoapOption, stringOptions, type CoapMessage } from '../coap/message.js';
import { OPEN_GATE, type EndpointGate, type RdResult, type Registrar } from './registrar.js';

/**
 * CoAP adapter of the registration interface (LwM2M 1.1 Transport §6.2):
 * maps `/rd` requests onto the Registrar and its results onto CoAP codes.
 */
export function handleRdRequest(registrar: Registrar, msg: CoapMessage, peer: Peer, gate: EndpointGate = OPEN_GATE): CoapReply {
  const path = stringOptions(msg, CoapOption.URI_PATH);
  const query = stringOptions(msg, CoapOption.URI_QUERY);
  if (msg.code === CoapCode.POST) {
    if (path.length === 1 && path[0] === 'rd') return toReply(registrar.register(query, msg.payload, peer, gate));
    if (path.length === 2 && path[0] === 'rd') return toReply(registrar.update(path[1] as string, query, msg.payload, peer, gate));
    // Other POST targets (no path, /bad, 1.1 Send /dp) are not served, as EMQX.
    return text(CoapCode.NOT_FOUND, 'not found');
  }
  if (msg.code === CoapCode.DELETE) {
    if (path.length === 0) return text(CoapCode.BAD_REQUEST, 'DELETE needs a registration location');
    if (path.length === 2 && path[0] === 'rd') return toReply(registrar.deregister(path[1] as string, gate));
    return text(CoapCode.NOT_FOUND, 'not found');
  }
  if (path.length >= 1 && path[0] === 'rd') return text(CoapCode.METHOD_NOT_ALLOWED, 'method not allowed');
  return text(CoapCode.NOT_FOUND, 'not found');
}

function toReply(result: RdResult): CoapReply {
  switch (result.code) {
    case '2.01':
      return { code: result.code, options: result.location.map((seg) => ({ number: CoapOption.LOCATION_PATH, value: Buffer.from(seg) })) };
    case '2.02':
    case '2.04':
      return { code: result.code };
    case '4.00':
    case '4.03':
    case '4.04':
      return text(result.code, result.reason);
  }
}

/** Diagnostic payload (RFC 7252 §5.5.2). */
function text(code: string, reason: string): CoapReply {
  return { code, payload: Buffer.from(reason, 'utf8') };
}
