import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import type { ResourceLookup } from './resource-lookup.js';
import { contentError } from './content-error.js';
import type { DecodedValue } from './decoded-value.js';
import { isTlvContainer, parseTlv, type TlvRecord } from './tlv.js';
import { typeTlvValue } from './value-typing.js';

/** Path depth a record's identifier fills (LwM2M 1.0 TS §6.4.3 Table 19). */
const LEVEL: Record<TlvRecord['kind'], 2 | 3 | 4> = {
  'object-instance': 2,
  'multiple-resource': 3,
  resource: 3,
  'resource-instance': 4,
};

/**
 * TLV payload -> values with full paths, typed through the models. Top-level
 * records take their parent ids from `reqPath` (a device may answer a
 * resource read with the whole resource or instance; the record ids win).
 */
export function decodeTlvContent(payload: Buffer, reqPath: Lwm2mPath, models: ResourceLookup): DecodedValue[] {
  const records = parseTlv(payload);
  const ids = [reqPath.objectId, reqPath.instanceId, reqPath.resourceId, reqPath.resourceInstanceId];
  const out: DecodedValue[] = [];
  for (const record of records) {
    const level = LEVEL[record.kind];
    if (pathDepth(reqPath) < level - 1) {
      throw contentError(`TLV ${record.kind} ${record.id} at the top level needs a longer request path than ${formatPath(reqPath)}`);
    }
    walk(record, ids.slice(0, level - 1) as number[], models, out);
  }
  return out;
}

function walk(record: TlvRecord, parent: readonly number[], models: ResourceLookup, out: DecodedValue[]): void {
  const ids = [...parent, record.id];
  if (isTlvContainer(record)) {
    for (const child of record.children) walk(child, ids, models, out);
    return;
  }
  const path: Lwm2mPath = { objectId: ids[0], instanceId: ids[1], resourceId: ids[2], resourceInstanceId: ids[3] };
  const model = models(path.objectId, path.resourceId as number);
  out.push({ path, value: typeTlvValue(record.value, model, formatPath(path)) });
}
