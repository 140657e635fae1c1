import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const FILES = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Relative Markdown link targets of a file (no URLs, no in-page anchors), without their #fragment. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    targets.push(target.split('#')[0] ?? '');
  }
  return targets;
}

describe('documentation links', () => {
  it.each(FILES)('every relative link in %s names a file of the repository', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const missing = relativeLinks(text).filter((target) => !existsSync(resolve(dirname(join(ROOT, file)), target)));
    expect(missing).toEqual([]);
  });
});
