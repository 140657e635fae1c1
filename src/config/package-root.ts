import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding our package.json, found by walking up from this
 * module (works from `src/config/` under tsx/vitest and `dist/config/` when
 * built). Relative `lwm2m.xml_dir` values are resolved against it, so the
 * bundled `xml/` directory is found whatever the working directory is.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) return (cached = resolve(start, '..', '..'));
    dir = parent;
  }
}

export function resolveFromPackageRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(packageRoot(), path);
}
