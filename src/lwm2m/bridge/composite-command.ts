import { ContentFormat, type WriteEntry } from '../content/types.js';
import { formatPath, type Lwm2mPath } from '../path.js';
import { checkedPath, isJsonObject, Reject, writeEntry, type JsonObject } from './command-fields.js';

export const COMPOSITE_COMMAND_TYPES = ['read-composite', 'write-composite', 'observe-composite', 'cancel-observe-composite'] as const;
export type CompositeCommandType = (typeof COMPOSITE_COMMAND_TYPES)[number];

/**
 * The Composite operations of LwM2M 1.1 (TS §6.3.8 Read-Composite,
 * §6.3.9 Write-Composite, §6.4.4 Observe-Composite / Cancel): several paths
 * in one exchange, addressed to the device's root with a SenML pack.
 * `format` undefined: chosen per device when the request is built.
 */
export type CompositeOperation =
  | {
      readonly kind: 'composite-read';
      readonly paths: readonly Lwm2mPath[];
      readonly format: number | undefined;
      readonly observe: 'register' | 'cancel' | undefined;
    }
  | { readonly kind: 'composite-write'; readonly entries: readonly WriteEntry[]; readonly format: number | undefined };

/** Paths (or values) in one composite command: a request stays a few datagrams at most. */
export const MAX_COMPOSITE_ITEMS = 256;

/** `reqPath` of every composite answer: the request goes to the device's root. */
export const COMPOSITE_REQ_PATH = '/';

export function isCompositeCommandType(msgType: string): msgType is CompositeCommandType {
  return (COMPOSITE_COMMAND_TYPES as readonly string[]).includes(msgType);
}

/**
 * `data` of a composite command -> operation; throws Reject with a reason.
 * read / observe / cancel: `paths` (list of path strings); write: `content`
 * (list of `{path, type, value}` with absolute paths); all: optional
 * `format` ("senml+json" / "senml+cbor", or 110 / 112).
 */
export function buildCompositeOperation(msgType: CompositeCommandType, data: JsonObject, hex: boolean): CompositeOperation {
  const format = compositeFormat(data.format);
  if (msgType === 'write-composite') return { kind: 'composite-write', entries: compositeEntries(data.content, hex), format };
  const observe = msgType === 'observe-composite' ? 'register' : msgType === 'cancel-observe-composite' ? 'cancel' : undefined;
  return { kind: 'composite-read', paths: compositePaths(data.paths), format, observe };
}

function compositePaths(raw: unknown): Lwm2mPath[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Reject('paths must be a non-empty list of paths');
  if (raw.length > MAX_COMPOSITE_ITEMS) throw new Reject(`paths holds more than ${MAX_COMPOSITE_ITEMS} paths`);
  const byText = new Map<string, Lwm2mPath>();
  for (const item of raw) {
    if (typeof item !== 'string') throw new Reject('paths must be a list of strings');
    const path = checkedPath(item);
    byText.set(formatPath(path), path);
  }
  return [...byText.values()];
}

function compositeEntries(raw: unknown, hex: boolean): WriteEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Reject('write-composite needs a non-empty content list');
  if (raw.length > MAX_COMPOSITE_ITEMS) throw new Reject(`content holds more than ${MAX_COMPOSITE_ITEMS} values`);
  return raw.map((item) => {
    if (!isJsonObject(item)) throw new Reject('content items must be objects');
    if (typeof item.path !== 'string') throw new Reject('content items need a path');
    return writeEntry(checkedPath(item.path), item, hex);
  });
}

const FORMAT_NAMES: ReadonlyMap<unknown, number> = new Map<unknown, number>([
  ['senml+json', ContentFormat.SENML_JSON],
  ['application/senml+json', ContentFormat.SENML_JSON],
  [ContentFormat.SENML_JSON, ContentFormat.SENML_JSON],
  ['senml+cbor', ContentFormat.SENML_CBOR],
  ['application/senml+cbor', ContentFormat.SENML_CBOR],
  [ContentFormat.SENML_CBOR, ContentFormat.SENML_CBOR],
]);

function compositeFormat(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const format = FORMAT_NAMES.get(raw);
  if (format === undefined) throw new Reject('format must be "senml+json" or "senml+cbor" (or 110 / 112)');
  return format;
}

/**
 * Observations are matched by path; a composite one by its set of paths
 * (order-independent), in a key no single path can take.
 */
export function compositeObservationKey(paths: readonly Lwm2mPath[]): string {
  return `composite:${paths.map(formatPath).sort().join(',')}`;
}
