import { compareVersions, isValidVersion, versionKey } from './model-version.js';
import type { ModelRegistry, ObjectModel, ResourceModel } from './types.js';

/**
 * Lookup of object models by id and version. The version a client uses comes
 * from the `ver=` attribute of its registration links (LwM2M 1.1 Core TS,
 * Register operation; absent means 1.0). Without it, or when that version is
 * not loaded, the newest loaded version is used. Later duplicates of
 * (id, version) win.
 */
export function createModelRegistry(models: readonly ObjectModel[]): ModelRegistry {
  const byId = new Map<number, Map<string, ObjectModel>>();
  for (const model of models) {
    let versions = byId.get(model.id);
    if (versions === undefined) {
      versions = new Map();
      byId.set(model.id, versions);
    }
    versions.set(versionKey(model.version), model);
  }
  const newest = new Map<number, ObjectModel>();
  for (const [id, versions] of byId) {
    let best: ObjectModel | undefined;
    for (const model of versions.values()) {
      if (best === undefined || compareVersions(model.version, best.version) > 0) best = model;
    }
    if (best !== undefined) newest.set(id, best);
  }
  const all: readonly ObjectModel[] = Object.freeze(
    [...byId.values()].flatMap((versions) => [...versions.values()]).sort((a, b) => a.id - b.id || compareVersions(a.version, b.version)),
  );

  // Also index by the version text as written, so the usual lookups ("1.0", "1.1") need no parsing.
  const byText = new Map<number, Map<string, ObjectModel>>();
  for (const [id, versions] of byId) {
    const texts = new Map<string, ObjectModel>();
    for (const model of versions.values()) texts.set(model.version, model);
    byText.set(id, texts);
  }

  const get = (objectId: number, version?: string): ObjectModel | undefined => {
    if (version !== undefined) {
      const exact = byText.get(objectId)?.get(version);
      if (exact !== undefined) return exact;
      if (isValidVersion(version.trim())) {
        const same = byId.get(objectId)?.get(versionKey(version));
        if (same !== undefined) return same;
      }
    }
    return newest.get(objectId);
  };

  return Object.freeze({
    get,
    resource(objectId: number, resourceId: number, version?: string): ResourceModel | undefined {
      return get(objectId, version)?.resources.get(resourceId);
    },
    all(): readonly ObjectModel[] {
      return all;
    },
  });
}
