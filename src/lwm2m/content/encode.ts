import type { Lwm2mPath } from '../path.js';
import { encodeCborValue } from './cbor.js';
import { contentError } from './content-error.js';
import { contentFormatName } from './content-format-name.js';
import { encodeLwm2mJson } from './lwm2m-json.js';
import { encodeOpaque } from './opaque.js';
import { encodeSenmlCbor } from './senml-cbor.js';
import { encodeSenmlJson } from './senml-json.js';
import { encodeText } from './text.js';
import { encodeTlvWrite } from './tlv-write.js';
import { ContentFormat, type WriteEntry } from './types.js';
import { prepareWrite, singleEntry } from './write-entries.js';

/**
 * Encodes the payload of a Write / Create (answer shapes in docs/lwm2m.md).
 * Entries at or below `basePath` are nested per format: TLV (11542 and
 * 1542) object-instance / multiple-resource / resource-instance records,
 * SenML JSON (110) / CBOR (112) and LwM2M JSON (11543, 1543) records named
 * relative to basePath; text (0), opaque (42) and CBOR (60) carry one value
 * at basePath. Bad values or shapes throw GatewayError('GW_ERR_CONTENT').
 */
export function encodeWrite(format: number, basePath: Lwm2mPath, entries: readonly WriteEntry[]): Buffer {
  const typed = prepareWrite(basePath, entries);
  switch (format) {
    case ContentFormat.TLV:
    case ContentFormat.OLD_TLV:
      return encodeTlvWrite(basePath, typed);
    case ContentFormat.SENML_JSON:
      return encodeSenmlJson(basePath, typed);
    case ContentFormat.SENML_CBOR:
      return encodeSenmlCbor(basePath, typed);
    case ContentFormat.LWM2M_JSON:
    case ContentFormat.OLD_JSON:
      return encodeLwm2mJson(basePath, typed);
    case ContentFormat.TEXT:
      return encodeText(singleEntry('text/plain', basePath, typed).value);
    case ContentFormat.OPAQUE: {
      const entry = singleEntry('octet-stream', basePath, typed);
      return encodeOpaque(entry.value, entry.path);
    }
    case ContentFormat.CBOR:
      return encodeCborValue(singleEntry('CBOR', basePath, typed).value);
    default:
      throw contentError(`cannot encode a write as ${contentFormatName(format)}`);
  }
}
