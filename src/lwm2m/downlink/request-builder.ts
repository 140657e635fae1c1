import { encodeWrite } from '../content/index.js';
import { ContentFormat } from '../content/types.js';
import { CoapCode } from '../coap/codes.js';
import type { OutboundRequest } from '../coap/coap-endpoint.js';
import { CoapOption, EMPTY, uintOption, type CoapOptionValue } from '../coap/message.js';
import type { DownlinkOperation } from '../bridge/command.js';
import { pathSegments } from '../path.js';
import { buildCompositeRequest } from './composite-request.js';
import { writeFormatFor, type DeviceFormats } from './write-format.js';

export interface RequestTarget {
  /** Uri-Path segments of the device's alternate path (`/lwm2m` -> ["lwm2m"]). */
  readonly root: readonly string[];
  /** Version and announced formats, which pick the Write / Create payload format. */
  readonly formats: DeviceFormats;
}

/**
 * LwM2M operation -> CoAP request (LwM2M 1.1 Transport §6.4, table
 * "Device Management and Service Enablement"). Throws GW_ERR_CONTENT when a
 * value does not fit its type (the caller answers 4.00 with the reason).
 */
export function buildRequest(op: DownlinkOperation, query: readonly string[], target: RequestTarget): OutboundRequest {
  if (op.kind === 'composite-read' || op.kind === 'composite-write') return buildCompositeRequest(op, target);
  const options: CoapOptionValue[] = [];
  for (const seg of target.root) options.push({ number: CoapOption.URI_PATH, value: Buffer.from(seg) });
  for (const seg of pathSegments(op.path)) options.push({ number: CoapOption.URI_PATH, value: Buffer.from(seg) });
  const addQuery = (q: string): void => {
    options.push({ number: CoapOption.URI_QUERY, value: Buffer.from(q) });
  };
  const format = (cf: number): void => {
    options.push({ number: CoapOption.CONTENT_FORMAT, value: uintOption(cf) });
  };
  switch (op.kind) {
    case 'read':
      query.forEach(addQuery);
      return { code: CoapCode.GET, options };
    case 'discover':
      query.forEach(addQuery);
      options.push({ number: CoapOption.ACCEPT, value: uintOption(ContentFormat.LINK_FORMAT) });
      return { code: CoapCode.GET, options };
    case 'observe':
      // RFC 7641 §2: Observe 0 = register, 1 = deregister.
      options.push({ number: CoapOption.OBSERVE, value: uintOption(op.cancel ? 1 : 0) });
      query.forEach(addQuery);
      return { code: CoapCode.GET, options };
    case 'delete':
      query.forEach(addQuery);
      return { code: CoapCode.DELETE, options };
    case 'write-attr':
      // LwM2M 1.1 TS §5.1.2: attributes as Uri-Query, no payload.
      op.attributes.forEach(addQuery);
      query.forEach(addQuery);
      return { code: CoapCode.PUT, options };
    case 'execute': {
      query.forEach(addQuery);
      if (op.args === '') return { code: CoapCode.POST, options };
      format(ContentFormat.TEXT);
      return { code: CoapCode.POST, options, payload: Buffer.from(op.args, 'utf8') };
    }
    case 'write': {
      query.forEach(addQuery);
      const cf = writeFormatFor(target.formats, op.path, op.entries);
      const payload = encodeWrite(cf, op.path, op.entries);
      format(cf);
      return { code: op.mode === 'replace' ? CoapCode.PUT : CoapCode.POST, options, payload };
    }
    case 'create': {
      query.forEach(addQuery);
      if (op.entries.length === 0) return { code: CoapCode.POST, options, payload: EMPTY };
      const cf = writeFormatFor(target.formats, op.path, op.entries);
      const payload = encodeWrite(cf, op.path, op.entries);
      format(cf);
      return { code: CoapCode.POST, options, payload };
    }
  }
}
