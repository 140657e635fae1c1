import { ContentFormat } from './types.js';

const NAMES: ReadonlyMap<number, string> = new Map([
  [ContentFormat.TEXT, 'text/plain'],
  [ContentFormat.LINK_FORMAT, 'application/link-format'],
  [ContentFormat.OPAQUE, 'application/octet-stream'],
  [ContentFormat.CBOR, 'application/cbor'],
  [ContentFormat.SENML_JSON, 'application/senml+json'],
  [ContentFormat.SENML_CBOR, 'application/senml+cbor'],
  [ContentFormat.TLV, 'application/vnd.oma.lwm2m+tlv'],
  [ContentFormat.LWM2M_JSON, 'application/vnd.oma.lwm2m+json'],
  [ContentFormat.OLD_TLV, 'application/vnd.oma.lwm2m+tlv (1542)'],
  [ContentFormat.OLD_JSON, 'application/vnd.oma.lwm2m+json (1543)'],
]);

/** Media type of a CoAP Content-Format number, for logs and reasons; `content-format 9999` when unknown. */
export function contentFormatName(format: number | undefined): string {
  if (format === undefined) return 'no content-format';
  return NAMES.get(format) ?? `content-format ${format}`;
}
