import { pathDepth, type Lwm2mPath } from '../path.js';
import { encodeTlv, type TlvRecord } from './tlv.js';
import { encodeBoolean, encodeFloat, encodeObjlnk, encodeSignedInt, encodeUnsignedInt } from './tlv-values.js';
import type { TypedEntry, TypedValue } from './write-value.js';

/** TLV value bytes of a typed value (LwM2M 1.0 TS §6.4.3, Appendix C). */
export function typedValueToTlvBytes(value: TypedValue): Buffer {
  switch (value.type) {
    case 'String':
    case 'Corelnk':
      return Buffer.from(value.value, 'utf8');
    case 'Integer':
    case 'Time':
      return encodeSignedInt(value.value);
    case 'Unsigned Integer':
      return encodeUnsignedInt(value.value);
    case 'Float':
      return encodeFloat(value.value);
    case 'Boolean':
      return encodeBoolean(value.value);
    case 'Opaque':
      return value.value;
    case 'Objlnk':
      return encodeObjlnk(value.objectId, value.instanceId);
  }
}

/**
 * Nests prepared entries below `basePath` (LwM2M 1.0 TS §6.4.3.1):
 * object path (Create) -> one object-instance TLV per instance; object
 * instance or resource path -> resource TLVs, resource instances grouped
 * in a multiple-resource TLV; resource instance path -> resource-instance TLV.
 */
export function encodeTlvWrite(basePath: Lwm2mPath, entries: readonly TypedEntry[]): Buffer {
  switch (pathDepth(basePath)) {
    case 1:
      return encodeTlv(objectInstanceRecords(entries));
    case 4:
      return encodeTlv(entries.map((e) => ({ kind: 'resource-instance', id: e.path.resourceInstanceId as number, value: typedValueToTlvBytes(e.value) })));
    default:
      return encodeTlv(resourceRecords(entries));
  }
}

function objectInstanceRecords(entries: readonly TypedEntry[]): TlvRecord[] {
  const byInstance = new Map<number, TypedEntry[]>();
  for (const e of entries) {
    const iid = e.path.instanceId as number;
    let group = byInstance.get(iid);
    if (group === undefined) byInstance.set(iid, (group = []));
    group.push(e);
  }
  return [...byInstance].map(([id, group]) => ({ kind: 'object-instance', id, children: resourceRecords(group) }));
}

type MutableContainer = { kind: 'multiple-resource'; id: number; children: TlvRecord[] };

function resourceRecords(entries: readonly TypedEntry[]): TlvRecord[] {
  const records: TlvRecord[] = [];
  const multiple = new Map<number, MutableContainer>();
  for (const e of entries) {
    const rid = e.path.resourceId as number;
    const bytes = typedValueToTlvBytes(e.value);
    if (e.path.resourceInstanceId === undefined) {
      records.push({ kind: 'resource', id: rid, value: bytes });
      continue;
    }
    let container = multiple.get(rid);
    if (container === undefined) {
      container = { kind: 'multiple-resource', id: rid, children: [] };
      multiple.set(rid, container);
      records.push(container);
    }
    container.children.push({ kind: 'resource-instance', id: e.path.resourceInstanceId, value: bytes });
  }
  return records;
}
