#!/usr/bin/env node
// Builds dist/ from src/ with tsc and makes the package's bin files executable.
//   node scripts/build.mjs             clean build (dist/ emptied first, so no file of a deleted source ships)
//   node scripts/build.mjs --if-stale  build only when a file under src/ or a tsconfig is newer than dist/,
//                                      so `npm start` does not recompile a current build; in an installed
//                                      package (no src/) it does nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');
const stamp = join(root, 'dist', 'main.js');
if (!existsSync(join(root, 'src'))) process.exit(0);

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isCurrent() {
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')));
  return existsSync(stamp) && statSync(stamp).mtimeMs >= sources;
}

if (ifStale && isCurrent()) process.exit(0);

// One build at a time (parallel test files, or npm start beside a test run): a lock directory.
const lock = join(root, 'node_modules', '.cache', 'snlw-build.lock');
mkdirSync(dirname(lock), { recursive: true });
const deadline = Date.now() + 5 * 60_000;
for (;;) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    // A lock left behind by a killed build is taken over after five minutes.
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) {
      console.error(`another build holds ${lock}; giving up`);
      process.exit(1);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
if (ifStale && isCurrent()) process.exit(0);
if (!ifStale) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('dist/ is missing or older than src/, and TypeScript is not installed: run npm install first');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const file of Object.values(bin)) chmodSync(join(root, file), 0o755);
