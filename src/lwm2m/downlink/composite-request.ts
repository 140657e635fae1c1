import { encodeCompositePaths, encodeCompositeWrite } from '../content/composite.js';
import { ContentFormat } from '../content/types.js';
import type { OutboundRequest } from '../coap/coap-endpoint.js';
import { CoapOption, uintOption, type CoapOptionValue } from '../coap/message.js';
import type { CompositeOperation } from '../bridge/composite-command.js';
import type { RequestTarget } from './request-builder.js';
import type { DeviceFormats } from './write-format.js';

/** RFC 8132 §2 / §3: FETCH 0.05, iPATCH 0.07 (PATCH 0.06 is not used by LwM2M). */
export const FETCH = '0.05';
export const IPATCH = '0.07';

/**
 * Composite operation -> CoAP request (LwM2M 1.1 Transport §6.4, table
 * "Device Management and Service Enablement"): Read-Composite = FETCH on the
 * root with the path list, Observe-Composite adds Observe 0 (cancel: 1),
 * Write-Composite = iPATCH on the root with the values. The root is the
 * device's alternate path ("/" = no Uri-Path). Content-Format and Accept
 * are the same SenML format.
 */
export function buildCompositeRequest(op: CompositeOperation, target: RequestTarget): OutboundRequest {
  const options: CoapOptionValue[] = target.root.map((seg) => ({ number: CoapOption.URI_PATH, value: Buffer.from(seg) }));
  const format = op.format ?? compositeFormatFor(target.formats);
  options.push({ number: CoapOption.CONTENT_FORMAT, value: uintOption(format) });
  if (op.kind === 'composite-write') {
    return { code: IPATCH, options, payload: encodeCompositeWrite(format, op.entries) };
  }
  // RFC 7641 §2: Observe 0 = register, 1 = deregister (LwM2M 1.1 Transport §6.4.4).
  if (op.observe !== undefined) options.push({ number: CoapOption.OBSERVE, value: uintOption(op.observe === 'register' ? 0 : 1) });
  options.push({ number: CoapOption.ACCEPT, value: uintOption(format) });
  return { code: FETCH, options, payload: encodeCompositePaths(format, op.paths) };
}

/**
 * The SenML format of a composite request when the command names none: the
 * one the device announced with `ct=` (SenML JSON first, as for writes),
 * else SenML CBOR (Leshan's default for composite requests).
 */
export function compositeFormatFor(device: DeviceFormats): number {
  if (device.announced.includes(ContentFormat.SENML_JSON)) return ContentFormat.SENML_JSON;
  return ContentFormat.SENML_CBOR;
}
