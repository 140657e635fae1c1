import { attribute, childText, children, type XmlNode } from './ddf-document.js';
import { isValidVersion, versionKey } from './model-version.js';
import { FrozenResourceMap } from './resource-map.js';
import type { ObjectModel, Operations, ResourceModel, ResourceType } from './types.js';

/**
 * Turns one DDF `Object` element into an ObjectModel, collecting every
 * problem instead of stopping at the first. `errors` make the object
 * unusable; `warnings` are deviations that real-world files commonly have
 * (reserved id ranges, odd URNs) and are only reported.
 *
 * Facts enforced: the OMA DDF schema (LWM2M.xsd / LWM2M-v1_1.xsd, the object
 * template of LwM2M 1.0 TS Appendix D), the data types of LwM2M 1.1 Core TS
 * Appendix C, and the OMNA registry's object id classes and URN form.
 */
export interface ObjectParseResult {
  readonly model: ObjectModel | undefined;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

const MAX_ID = 65534; // 65535 is reserved as an id (OMNA object id classes; MAX_ID in paths).

const TYPES: ReadonlyMap<string, ResourceType> = new Map<string, ResourceType>([
  ['string', 'String'],
  ['integer', 'Integer'],
  ['unsigned integer', 'Unsigned Integer'],
  ['float', 'Float'],
  ['boolean', 'Boolean'],
  ['opaque', 'Opaque'],
  ['time', 'Time'],
  ['objlnk', 'Objlnk'],
  ['corelnk', 'Corelnk'],
]);

const OPERATIONS: ReadonlySet<string> = new Set(['', 'R', 'W', 'RW', 'E']);

/** Types introduced by LwM2M 1.1 (LwM2M 1.1 Core TS Appendix C). */
const TYPES_SINCE_1_1: ReadonlySet<ResourceType> = new Set<ResourceType>(['Unsigned Integer', 'Corelnk']);

export function parseDdfObject(node: XmlNode, index: number): ObjectParseResult {
  const errors: string[] = [];
  const warnings: string[] = [];

  const name = childText(node, 'Name') ?? '';
  const idText = childText(node, 'ObjectID');
  const id = idText === undefined ? undefined : parseId(idText);
  const label = describeObject(id, idText, name, index);

  if (name === '') errors.push(`${label}: missing Name`);
  if (idText === undefined || idText === '') errors.push(`${label}: missing ObjectID`);
  else if (id === undefined) errors.push(`${label}: ObjectID "${idText}" is not an integer`);
  else if (id > MAX_ID) errors.push(`${label}: ObjectID ${id} is outside 0..${MAX_ID}`);
  else {
    const reserved = reservedRange(id);
    if (reserved !== undefined) warnings.push(`${label}: ObjectID ${id} is in the reserved range ${reserved}`);
  }

  const lwm2mVersion = readVersion(node, 'LWM2MVersion', label, errors);
  const version = readVersion(node, 'ObjectVersion', label, errors);
  const multiple = readChoice(node, 'MultipleInstances', ['Multiple', 'Single'], label, errors) === 'Multiple';
  const mandatory = readChoice(node, 'Mandatory', ['Mandatory', 'Optional'], label, errors) === 'Mandatory';
  const urn = id === undefined || id > MAX_ID ? '' : readUrn(node, id, version, label, warnings);

  const resources = new Map<number, ResourceModel>();
  for (const container of children(node, 'Resources')) {
    for (const item of children(container, 'Item')) {
      const resource = parseResource(item, label, lwm2mVersion, errors, warnings);
      if (resource === undefined) continue;
      const earlier = resources.get(resource.id);
      if (earlier !== undefined) {
        errors.push(`${label} resource ${resource.id} (${resource.name}): duplicate resource ID (already used by "${earlier.name}")`);
        continue;
      }
      resources.set(resource.id, resource);
    }
  }

  if (errors.length > 0 || id === undefined) return { model: undefined, errors, warnings };
  const model: ObjectModel = Object.freeze({
    id,
    name,
    description: childText(node, 'Description1') ?? '',
    version,
    lwm2mVersion,
    urn,
    multiple,
    mandatory,
    resources: new FrozenResourceMap([...resources.entries()].sort((a, b) => a[0] - b[0])),
  });
  return { model, errors, warnings };
}

function parseResource(item: XmlNode, objectLabel: string, lwm2mVersion: string, errors: string[], warnings: string[]): ResourceModel | undefined {
  const idText = attribute(item, 'ID');
  const name = childText(item, 'Name') ?? '';
  const id = idText === undefined ? undefined : parseId(idText);
  const label = `${objectLabel} resource ${id ?? (idText === undefined ? '(no ID)' : `"${idText}"`)}${name === '' ? '' : ` (${name})`}`;
  const before = errors.length;

  if (idText === undefined || idText === '') errors.push(`${label}: missing ID attribute`);
  else if (id === undefined) errors.push(`${label}: ID "${idText}" is not an integer`);
  else if (id > MAX_ID) errors.push(`${label}: ID ${id} is outside 0..${MAX_ID}`);
  if (name === '') errors.push(`${label}: missing Name`);

  const opsText = (childText(item, 'Operations') ?? '').toUpperCase();
  if (!OPERATIONS.has(opsText)) errors.push(`${label}: unknown Operations "${opsText}" (expected R, W, RW, E or empty)`);
  const operations = opsText as Operations;
  const multiple = readChoice(item, 'MultipleInstances', ['Multiple', 'Single'], label, errors) === 'Multiple';
  const mandatory = readChoice(item, 'Mandatory', ['Mandatory', 'Optional'], label, errors) === 'Mandatory';

  const typeText = (childText(item, 'Type') ?? '').replace(/\s+/g, ' ');
  const type: ResourceType | undefined = typeText === '' ? 'none' : TYPES.get(typeText.toLowerCase());
  if (type === undefined) {
    errors.push(`${label}: unknown Type "${typeText}"`);
  } else if (operations === 'E' && type !== 'none') {
    warnings.push(`${label}: executable resource declares Type ${type} (executables have no value type)`);
  } else if (operations !== 'E' && type === 'none') {
    errors.push(`${label}: missing Type (only executable resources may omit it)`);
  } else if (TYPES_SINCE_1_1.has(type) && versionKey(lwm2mVersion) === '1') {
    warnings.push(`${label}: Type ${type} needs LwM2M 1.1 but the object declares LWM2MVersion ${lwm2mVersion}`);
  }

  if (errors.length > before || id === undefined || type === undefined) return undefined;
  return Object.freeze({
    id,
    name,
    operations,
    multiple,
    mandatory,
    type,
    rangeEnumeration: childText(item, 'RangeEnumeration') ?? '',
    units: childText(item, 'Units') ?? '',
    description: childText(item, 'Description') ?? '',
  });
}

function describeObject(id: number | undefined, idText: string | undefined, name: string, index: number): string {
  const head = id !== undefined ? `object ${id}` : idText ? `object "${idText}"` : `object #${index + 1}`;
  return name === '' ? head : `${head} (${name})`;
}

function parseId(text: string): number | undefined {
  return /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}

/** OMNA object id classes: 1024-2047 and 42801-65534 are reserved (vendors use them anyway). */
function reservedRange(id: number): string | undefined {
  if (id >= 1024 && id <= 2047) return '1024-2047';
  if (id >= 42801 && id <= 65534) return '42801-65534';
  return undefined;
}

function urnKind(id: number): 'oma' | 'ext' | 'x' | undefined {
  if (id <= 1023) return 'oma';
  if (id >= 2048 && id <= 10240) return 'ext';
  if (id >= 10241 && id <= 42800) return 'x';
  return undefined;
}

function readVersion(node: XmlNode, element: string, label: string, errors: string[]): string {
  const text = childText(node, element);
  if (text === undefined || text === '') return '1.0';
  if (!isValidVersion(text)) {
    errors.push(`${label}: ${element} "${text}" is not a version like 1.0`);
    return '1.0';
  }
  return text;
}

function readChoice(node: XmlNode, element: string, allowed: readonly [string, string], label: string, errors: string[]): string {
  const text = childText(node, element);
  if (text === undefined || text === '') {
    errors.push(`${label}: missing ${element} (expected ${allowed.join(' or ')})`);
    return allowed[1];
  }
  const match = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (match === undefined) {
    errors.push(`${label}: ${element} "${text}" is not ${allowed.join(' or ')}`);
    return allowed[1];
  }
  return match;
}

/** OMNA URN form `urn:oma:lwm2m:{oma|ext|x}:<id>[:<version>]`: oma 0-1023, ext 2048-10240, x 10241-42800. */
function readUrn(node: XmlNode, id: number, version: string, label: string, warnings: string[]): string {
  const kind = urnKind(id);
  const versionSuffix = versionKey(version) === '1' ? '' : `:${version}`;
  const expected = kind === undefined ? undefined : `urn:oma:lwm2m:${kind}:${id}${versionSuffix}`;
  const text = childText(node, 'ObjectURN') ?? '';
  if (text === '') {
    warnings.push(`${label}: missing ObjectURN${expected === undefined ? '' : `, using ${expected}`}`);
    return expected ?? '';
  }
  const match = /^urn:oma:lwm2m:(oma|ext|x):(\d+)(?::(\d+(?:\.\d+)*))?$/.exec(text);
  if (match === null) {
    warnings.push(`${label}: ObjectURN "${text}" is not of the form urn:oma:lwm2m:{oma|ext|x}:<id>[:<version>]`);
  } else if (Number(match[2]) !== id) {
    warnings.push(`${label}: ObjectURN "${text}" names object ${match[2]}`);
  } else if (kind !== undefined && match[1] !== kind) {
    warnings.push(`${label}: ObjectURN "${text}" uses kind "${match[1]}" but object ${id} belongs to "${kind}"`);
  } else if (versionKey(match[3] ?? '1.0') !== versionKey(version)) {
    warnings.push(`${label}: ObjectURN "${text}" does not match ObjectVersion ${version}`);
  }
  return text;
}
