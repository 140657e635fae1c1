import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadModelDirectory } from '../../../src/lwm2m/model/xml-loader.js';
import { ddfXml } from './ddf-text.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/lwm2m-xml/', import.meta.url));

describe('loadModelDirectory', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lwm2m-xml-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each broken file once, naming file and reason, and still loads the good ones', async () => {
    await writeFile(join(dir, 'good.xml'), ddfXml({ id: 20100, name: 'Good' }));
    await writeFile(join(dir, 'malformed.xml'), '<LWM2M><Object><Name>Half</Name>');
    await writeFile(join(dir, 'no-id.xml'), ddfXml({ id: undefined, name: 'Anonymous' }));
    await writeFile(join(dir, 'bad-type.xml'), ddfXml({ id: 20101, name: 'Typo', items: [{ id: 1, name: 'Val', type: 'Flaot' }] }));
    await writeFile(
      join(dir, 'dup-id.xml'),
      ddfXml({
        id: 20102,
        name: 'Dup',
        items: [
          { id: 0, name: 'A' },
          { id: 0, name: 'B' },
        ],
      }),
    );
    await writeFile(join(dir, 'notes.txt'), 'not a model');

    const { models, problems, warnings } = await loadModelDirectory(dir);

    expect(models.map((m) => m.id)).toEqual([20100]);
    expect(warnings).toEqual([]);
    const byFile = Object.fromEntries(problems.map((p) => [basename(p.file), p.reason]));
    expect(Object.keys(byFile).sort()).toEqual(['bad-type.xml', 'dup-id.xml', 'malformed.xml', 'no-id.xml']);
    expect(problems).toHaveLength(4);
    for (const p of problems) expect(p.file.startsWith(dir)).toBe(true);
    expect(byFile['malformed.xml']).toMatch(/^malformed XML: /);
    expect(byFile['no-id.xml']).toBe('object #1 (Anonymous): missing ObjectID');
    expect(byFile['bad-type.xml']).toBe('object 20101 (Typo) resource 1 (Val): unknown Type "Flaot"');
    expect(byFile['dup-id.xml']).toBe('object 20102 (Dup) resource 0 (B): duplicate resource ID (already used by "A")');
  });

  it('reports a missing directory as a problem', async () => {
    const missing = join(dir, 'nope');
    const result = await loadModelDirectory(missing);
    expect(result.models).toEqual([]);
    expect(result.problems).toEqual([{ file: missing, reason: 'cannot read model directory: does not exist' }]);
  });

  it('reports a file given as directory as a problem', async () => {
    const file = join(dir, 'file.xml');
    await writeFile(file, ddfXml({ id: 20100 }));
    const result = await loadModelDirectory(file);
    expect(result.problems).toEqual([{ file, reason: 'cannot read model directory: not a directory' }]);
  });

  it('returns an empty result for an empty directory', async () => {
    expect(await loadModelDirectory(dir)).toEqual({ models: [], problems: [], warnings: [] });
  });

  it('loads multi-object files and keeps every version, in natural file order', async () => {
    for (const name of ['multi-object.xml', 'versioned-1_10.xml', 'versioned-1_2.xml', 'versioned-1_0.xml', 'bom-namespaced.xml']) {
      await copyFile(join(FIXTURES, name), join(dir, name));
    }
    await mkdir(join(dir, 'sub.xml')); // directories are skipped, not read
    const { models, problems, warnings } = await loadModelDirectory(dir);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(models.map((m) => `${m.id}@${m.version}`)).toEqual(['20002@1.0', '20000@1.0', '20001@2.0', '20010@1.0', '20010@1.2', '20010@1.10']);
  });

  it('lets a later file replace the same object version, with a warning', async () => {
    await writeFile(join(dir, 'a.xml'), ddfXml({ id: 20100, name: 'First' }));
    await writeFile(join(dir, 'b.xml'), ddfXml({ id: 20100, name: 'Second' }));
    const { models, warnings } = await loadModelDirectory(dir);
    expect(models.map((m) => m.name)).toEqual(['Second']);
    expect(warnings).toEqual([{ file: join(dir, 'b.xml'), reason: `object 20100 version 1.0 replaces the definition from ${join(dir, 'a.xml')}` }]);
  });

  it('passes non-fatal findings through as warnings with the file name', async () => {
    await writeFile(join(dir, '1500.xml'), ddfXml({ id: 1500, name: 'Vendor', urn: 'urn:oma:lwm2m:ext:1500' }));
    const { models, problems, warnings } = await loadModelDirectory(dir);
    expect(models.map((m) => m.id)).toEqual([1500]);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([{ file: join(dir, '1500.xml'), reason: 'object 1500 (Vendor): ObjectID 1500 is in the reserved range 1024-2047' }]);
  });
});
