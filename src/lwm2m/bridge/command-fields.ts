import { GatewayError } from '../../errors.js';
import type { WriteEntry } from '../content/types.js';
import type { ResourceType } from '../model/types.js';
import { formatPath, parsePath, type Lwm2mPath } from '../path.js';

/** The command fields shared by the single-path and the composite commands. */

export type JsonObject = Record<string, unknown>;

const WRITE_TYPES: readonly ResourceType[] = ['String', 'Integer', 'Unsigned Integer', 'Float', 'Boolean', 'Opaque', 'Time', 'Objlnk', 'Corelnk'];

/** Why a command cannot be carried out (answered with 4.00 and the reason). */
export class Reject extends GatewayError {
  constructor(reason: string) {
    super('GW_ERR_COMMAND', reason);
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One `{type, value}` write item at `path`; hex values decoded (`encoding: "hex"`). */
export function writeEntry(path: Lwm2mPath, item: JsonObject, hex: boolean): WriteEntry {
  const type = item.type;
  if (typeof type !== 'string' || !(WRITE_TYPES as readonly string[]).includes(type)) {
    throw new Reject(`${formatPath(path)}: type must be one of ${WRITE_TYPES.join(', ')}`);
  }
  if (item.value === undefined || item.value === null) throw new Reject(`${formatPath(path)}: missing value`);
  const value = hex ? fromHex(path, type as ResourceType, item.value) : item.value;
  return { path, type: type as ResourceType, value };
}

/** `encoding: "hex"`: values are hex strings; Opaque becomes base64, other types the decoded text. */
function fromHex(path: Lwm2mPath, type: ResourceType, value: unknown): unknown {
  if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(value)) {
    throw new Reject(`${formatPath(path)}: value is not a hex string`);
  }
  const bytes = Buffer.from(value, 'hex');
  return type === 'Opaque' ? bytes.toString('base64') : bytes.toString('utf8');
}

export function pathField(data: JsonObject, key: 'path' | 'basePath'): { path: Lwm2mPath; query: string[] } {
  const raw = data[key];
  if (typeof raw !== 'string') throw new Reject(`missing ${key}`);
  const q = raw.indexOf('?');
  const text = q === -1 ? raw : raw.slice(0, q);
  const query =
    q === -1
      ? []
      : raw
          .slice(q + 1)
          .split('&')
          .filter((s) => s !== '');
  return { path: checkedPath(text), query };
}

export function checkedPath(text: string): Lwm2mPath {
  try {
    return parsePath(text);
  } catch (err) {
    throw new Reject((err as Error).message);
  }
}
