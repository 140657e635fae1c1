import { encodeCompositeWrite, isCompositeFormat } from '../../lwm2m/content/composite.js';
import { contentError } from '../../lwm2m/content/content-error.js';
import { parseSenmlCborRecords } from '../../lwm2m/content/senml-cbor.js';
import { parseSenmlJsonRecords } from '../../lwm2m/content/senml-json.js';
import { ContentFormat, type WriteEntry } from '../../lwm2m/content/index.js';
import { parsePath, type Lwm2mPath } from '../../lwm2m/path.js';

/** Paths a composite request may name at most (the gateway sends 1 to 256). */
const MAX_COMPOSITE_PATHS = 256;

/**
 * The path list of a Read-Composite / Observe-Composite request (LwM2M 1.1
 * TS §6.3.8, Transport §7.4.7): SenML records carrying only a name, with a
 * base name applying to its record and the later ones (RFC 8428 §4.5.1).
 * Throws GW_ERR_CONTENT for anything else.
 */
export function decodePathList(format: number, payload: Buffer): Lwm2mPath[] {
  if (!isCompositeFormat(format)) throw contentError(`a composite path list must be SenML JSON or SenML CBOR, got ${format}`);
  const records = format === ContentFormat.SENML_JSON ? parseSenmlJsonRecords(payload) : parseSenmlCborRecords(payload);
  if (records.length === 0) throw contentError('empty path list');
  if (records.length > MAX_COMPOSITE_PATHS) throw contentError(`more than ${MAX_COMPOSITE_PATHS} paths`);
  let baseName = '';
  return records.map((record, index) => {
    if (record.bn !== undefined) baseName = record.bn;
    const name = baseName + (record.n ?? '');
    if (!name.startsWith('/')) throw contentError(`record ${index}: name "${name}" is not an absolute LwM2M path`);
    try {
      return parsePath(name);
    } catch (err) {
      throw contentError(`record ${index}: name "${name}" is not an LwM2M path`, err);
    }
  });
}

/**
 * The values of a Read-Composite answer, a composite notification or a Send
 * (LwM2M 1.1 Transport §7.4.7): one SenML record per resource or resource
 * instance, each named by its absolute path, typed per the object model.
 */
export function encodeCompositeValues(format: number, entries: readonly WriteEntry[]): Buffer {
  return encodeCompositeWrite(format, entries);
}
