import { formatPath, pathDepth, type Lwm2mPath } from '../path.js';
import type { WriteEntry } from './types.js';
import { contentError } from './content-error.js';
import { toTypedValue, type TypedEntry } from './write-value.js';

/**
 * Validates and types the entries of a write/create before encoding:
 * every path must lie at or below `basePath` and name a resource or
 * resource instance; duplicates collapse (last value wins, first position
 * kept, as EMQX batches behave); a resource may not be written both whole
 * and per instance in the same request.
 */
export function prepareWrite(basePath: Lwm2mPath, entries: readonly WriteEntry[]): TypedEntry[] {
  const base = formatPath(basePath);
  const byPath = new Map<string, TypedEntry>();
  for (const entry of entries) {
    const text = formatPath(entry.path);
    if (!isAtOrBelow(entry.path, basePath)) throw contentError(`write entry ${text} is not below ${base}`);
    if (pathDepth(entry.path) < 3) throw contentError(`write entry ${text} does not name a resource`);
    byPath.set(text, { path: entry.path, value: toTypedValue(entry) });
  }
  const wholeResources = new Set<string>();
  for (const e of byPath.values()) if (pathDepth(e.path) === 3) wholeResources.add(formatPath(e.path));
  for (const e of byPath.values()) {
    if (pathDepth(e.path) !== 4) continue;
    const parent = formatPath({ ...e.path, resourceInstanceId: undefined });
    if (wholeResources.has(parent)) throw contentError(`write entries mix ${parent} and its instance ${formatPath(e.path)}`);
  }
  return [...byPath.values()];
}

export function isAtOrBelow(path: Lwm2mPath, base: Lwm2mPath): boolean {
  if (path.objectId !== base.objectId) return false;
  if (base.instanceId === undefined) return true;
  if (path.instanceId !== base.instanceId) return false;
  if (base.resourceId === undefined) return true;
  if (path.resourceId !== base.resourceId) return false;
  if (base.resourceInstanceId === undefined) return true;
  return path.resourceInstanceId === base.resourceInstanceId;
}

/** `6/0` for /3/0/6/0 below /3/0; "" when path equals base. */
export function relativeName(path: Lwm2mPath, base: Lwm2mPath): string {
  const ids = [path.objectId, path.instanceId, path.resourceId, path.resourceInstanceId];
  return ids
    .slice(pathDepth(base))
    .filter((id): id is number => id !== undefined)
    .join('/');
}

/** The single entry a one-value format (text, opaque, CBOR) may carry, which must sit at basePath. */
export function singleEntry(format: string, basePath: Lwm2mPath, entries: readonly TypedEntry[]): TypedEntry {
  const only = entries[0];
  if (entries.length !== 1 || only === undefined) {
    throw contentError(`${format} carries exactly one value, got ${entries.length} for ${formatPath(basePath)}`);
  }
  if (formatPath(only.path) !== formatPath(basePath)) {
    throw contentError(`${format} value for ${formatPath(only.path)} must be written to its own path, not ${formatPath(basePath)}`);
  }
  return only;
}
