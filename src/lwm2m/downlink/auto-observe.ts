import type { AutoObserve } from '../../config/types.js';
import type { ModelRegistry } from '../model/types.js';
import { formatPath, parsePath, type Lwm2mPath } from '../path.js';

/** EMQX's default ignore list for auto_observe = true: security, server, ACL, connectivity, firmware, location, ... */
export const AUTO_OBSERVE_SKIPPED_OBJECTS: ReadonlySet<number> = new Set([0, 1, 2, 4, 5, 6, 7, 9, 15]);

/**
 * Paths to observe after Register (EMQX `auto_observe`): `true` = every
 * objectList entry except the ignore list and objects without a model;
 * a list = the listed paths that appear in objectList, in config order,
 * bypassing the ignore list.
 */
export function autoObservePaths(setting: AutoObserve, objectList: readonly string[], models: ModelRegistry): Lwm2mPath[] {
  if (setting === false) return [];
  const listed: Lwm2mPath[] = [];
  for (const entry of objectList) {
    const path = tryPath(entry);
    if (path !== undefined) listed.push(path);
  }
  if (setting === true) {
    return listed.filter((p) => !AUTO_OBSERVE_SKIPPED_OBJECTS.has(p.objectId) && models.get(p.objectId) !== undefined);
  }
  const present = new Set(listed.map(formatPath));
  const out: Lwm2mPath[] = [];
  for (const wanted of setting) {
    const path = tryPath(wanted);
    if (path !== undefined && present.has(formatPath(path))) out.push(path);
  }
  return out;
}

function tryPath(text: string): Lwm2mPath | undefined {
  try {
    return parsePath(text);
  } catch {
    return undefined;
  }
}
