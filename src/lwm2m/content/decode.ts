import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import type { ModelRegistry } from '../model/types.js';
import type { ResourceLookup } from './resource-lookup.js';
import { decodeCborContent } from './cbor.js';
import type { DecodedValue } from './decoded-value.js';
import { decodeLwm2mJson } from './lwm2m-json.js';
import { decodeOpaque } from './opaque.js';
import { decodeSenmlCbor } from './senml-cbor.js';
import { decodeSenmlJson } from './senml-json.js';
import { decodeText } from './text.js';
import { decodeTlvContent } from './tlv-decode.js';
import { ContentFormat, type ContentEntry } from './types.js';

/**
 * Decodes a read/observe/notify payload into EMQX's `data.content` shape
 * (docs/lwm2m.md), typed through the models (best-effort where none).
 *
 * - No Content-Format: text/plain for a resource path, else TLV.
 * - 1542 / 1543 (pre-registration numbers) are TLV / LwM2M JSON.
 * - SenML JSON/CBOR, LwM2M JSON and CBOR values are self-typed (number,
 *   string, boolean, "oid:iid"; opaque as standard base64 like TLV).
 * - Link format (40) yields the link text as one string value.
 * - Unknown formats: base64 of the payload at reqPath, as EMQX does.
 * - Reading an object that answers with several instances: paths WITHOUT
 *   the leading slash (`3/0/0`, `3/1/0`), matching EMQX.
 * `objectVersions` (object id -> `ver=` from the registration) picks the
 * model version; without it the newest loaded model is used.
 * Malformed payloads throw GatewayError('GW_ERR_CONTENT', reason).
 */
export function decodeContent(
  format: number | undefined,
  payload: Buffer,
  reqPath: Lwm2mPath,
  models: ModelRegistry,
  objectVersions?: ReadonlyMap<number, string>,
): ContentEntry[] {
  const lookup: ResourceLookup = (objectId, resourceId) => models.resource(objectId, resourceId, objectVersions?.get(objectId));
  return render(decodeValues(format, payload, reqPath, lookup), reqPath);
}

function decodeValues(format: number | undefined, payload: Buffer, reqPath: Lwm2mPath, models: ResourceLookup): DecodedValue[] {
  switch (format) {
    case undefined:
      return pathDepth(reqPath) >= 3 ? decodeText(payload, reqPath, models) : decodeTlvContent(payload, reqPath, models);
    case ContentFormat.TEXT:
      return decodeText(payload, reqPath, models);
    case ContentFormat.TLV:
    case ContentFormat.OLD_TLV:
      return decodeTlvContent(payload, reqPath, models);
    case ContentFormat.LWM2M_JSON:
    case ContentFormat.OLD_JSON:
      return decodeLwm2mJson(payload, reqPath);
    case ContentFormat.SENML_JSON:
      return decodeSenmlJson(payload, reqPath);
    case ContentFormat.SENML_CBOR:
      return decodeSenmlCbor(payload, reqPath);
    case ContentFormat.CBOR:
      return decodeCborContent(payload, reqPath);
    case ContentFormat.LINK_FORMAT:
      return [{ path: reqPath, value: payload.toString('utf8') }];
    default:
      return decodeOpaque(payload, reqPath);
  }
}

function render(values: readonly DecodedValue[], reqPath: Lwm2mPath): ContentEntry[] {
  let stripSlash = false;
  if (pathDepth(reqPath) === 1) {
    const first = values[0]?.path;
    stripSlash = values.some((v) => v.path.objectId !== first?.objectId || v.path.instanceId !== first.instanceId);
  }
  return values.map((v) => ({ path: stripSlash ? formatPath(v.path).slice(1) : formatPath(v.path), value: v.value }));
}
