import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/** What `npm pack` ships and what `npm start` builds (dist/ from scripts/build.mjs). */

const ROOT = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};

function buildIfStale(): void {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

beforeAll(() => buildIfStale(), 180_000);

describe('package', () => {
  it('LICENSE is the Apache License 2.0 that package.json names, and ships', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.files).toContain('LICENSE');
  });

  it('prepack builds; npm start and prepare build only when dist/ is stale', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.prestart).toBe('node scripts/build.mjs --if-stale');
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs --if-stale');
    const before = statSync(join(ROOT, 'dist/main.js')).mtimeMs;
    buildIfStale();
    expect(statSync(join(ROOT, 'dist/main.js')).mtimeMs).toBe(before);
  });

  it('dist/ holds the bins (executable), no build-time generator, and source maps that carry their sources', () => {
    for (const bin of Object.values(pkg.bin)) {
      expect(existsSync(join(ROOT, bin)), bin).toBe(true);
      expect(statSync(join(ROOT, bin)).mode & 0o111, bin).not.toBe(0);
      expect(readFileSync(join(ROOT, bin), 'utf8').startsWith('#!/usr/bin/env node\n'), bin).toBe(true);
    }
    const files = walk(join(ROOT, 'dist'));
    expect(files.some((f) => f.endsWith(join('config', 'docs.js')))).toBe(false);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(50);
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(parsed.sourcesContent?.length, map).toBe(parsed.sources.length);
    }
  });
});
