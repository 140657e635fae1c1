import { describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { compareVersions, versionKey } from '../../../src/lwm2m/model/model-version.js';
import type { ObjectModel } from '../../../src/lwm2m/model/types.js';
import { parseModelXml } from '../../../src/lwm2m/model/xml-loader.js';
import { ddfXml } from './ddf-text.js';

function model(id: number, version: string, resourceIds: number[], name = `Object ${id}`): ObjectModel {
  const [m] = parseModelXml(
    ddfXml({ id, name, version, urn: '', items: resourceIds.map((rid) => ({ id: rid, name: `R${rid} v${version}` })) }),
    `${id}-${version}.xml`,
  );
  if (m === undefined) throw new Error('fixture did not parse');
  return m;
}

describe('model versions', () => {
  it('compare numerically part by part', () => {
    expect(compareVersions('1.10', '1.2')).toBeGreaterThan(0);
    expect(compareVersions('1.2', '1.10')).toBeLessThan(0);
    expect(compareVersions('2.0', '1.99')).toBeGreaterThan(0);
    expect(compareVersions('1.0', '1')).toBe(0);
    expect(versionKey('1.0')).toBe(versionKey('1'));
    expect(versionKey('1.10')).not.toBe(versionKey('1.1'));
  });
});

describe('createModelRegistry', () => {
  const v10 = model(20010, '1.0', [0]);
  const v12 = model(20010, '1.2', [0, 1]);
  const v110 = model(20010, '1.10', [0, 1, 2]);
  const other = model(20011, '1.0', [5]);
  const registry = createModelRegistry([v12, v110, other, v10]);

  it('get(id) returns the newest version', () => {
    expect(registry.get(20010)).toBe(v110);
    expect(registry.get(20011)).toBe(other);
    expect(registry.get(4242)).toBeUndefined();
  });

  it('get(id, version) returns that version when loaded, else the newest', () => {
    expect(registry.get(20010, '1.0')).toBe(v10);
    expect(registry.get(20010, '1')).toBe(v10);
    expect(registry.get(20010, '1.2')).toBe(v12);
    expect(registry.get(20010, '1.10')).toBe(v110);
    expect(registry.get(20010, '1.1')).toBe(v110);
    expect(registry.get(20010, '9.9')).toBe(v110);
    expect(registry.get(20010, 'garbage')).toBe(v110);
    expect(registry.get(4242, '1.0')).toBeUndefined();
  });

  it('resource() follows the same version choice', () => {
    expect(registry.resource(20010, 2)?.name).toBe('R2 v1.10');
    expect(registry.resource(20010, 2, '1.2')).toBeUndefined();
    expect(registry.resource(20010, 1, '1.2')?.name).toBe('R1 v1.2');
    expect(registry.resource(20010, 0, '1.0')?.name).toBe('R0 v1.0');
    expect(registry.resource(20011, 5)?.name).toBe('R5 v1.0');
    expect(registry.resource(4242, 0)).toBeUndefined();
  });

  it('all() lists every version sorted by id then version', () => {
    expect(registry.all().map((m) => `${m.id}@${m.version}`)).toEqual(['20010@1.0', '20010@1.2', '20010@1.10', '20011@1.0']);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(registry)).toBe(true);
    expect(Object.isFrozen(registry.all())).toBe(true);
    expect(() => (registry.all() as ObjectModel[]).push(other)).toThrow(TypeError);
  });

  it('a later model with the same id and version wins', () => {
    const replacement = model(20011, '1.0', [6], 'Replacement');
    const reg = createModelRegistry([other, replacement]);
    expect(reg.get(20011)).toBe(replacement);
    expect(reg.all()).toHaveLength(1);
  });

  it('an empty registry answers undefined', () => {
    const empty = createModelRegistry([]);
    expect(empty.get(3)).toBeUndefined();
    expect(empty.resource(3, 0)).toBeUndefined();
    expect(empty.all()).toEqual([]);
  });
});
