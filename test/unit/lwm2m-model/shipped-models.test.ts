import { readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import type { ModelRegistry, ObjectModel, ResourceModel } from '../../../src/lwm2m/model/types.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../../src/lwm2m/model/xml-loader.js';

/** object id -> { version -> resource count } for every shipped definition. */
const EXPECTED: Record<number, Record<string, number>> = {
  0: { '1.0': 13 },
  1: { '1.0': 9 },
  2: { '1.0': 4 },
  3: { '1.0': 22, '1.1': 23 },
  4: { '1.0': 11 },
  5: { '1.0': 10 },
  6: { '1.0': 7 },
  7: { '1.0': 9 },
  3300: { '1.0': 9, '1.1': 13 },
  3301: { '1.0': 7, '1.1': 12 },
  3303: { '1.0': 7, '1.1': 12 },
  3304: { '1.0': 7, '1.1': 12 },
  3306: { '1.0': 5 },
  3308: { '1.0': 4 },
  3311: { '1.0': 8 },
  3315: { '1.0': 7, '1.1': 12 },
  3323: { '1.0': 7, '1.1': 12 },
  3336: { '1.0': 7 },
  3342: { '1.0': 5 },
};

describe('shipped xml/ object definitions', () => {
  let models: ObjectModel[];
  let registry: ModelRegistry;
  let problems: { file: string; reason: string }[];
  let warnings: { file: string; reason: string }[];

  beforeAll(async () => {
    ({ models, problems, warnings } = await loadModelDirectory(SHIPPED_XML_DIR));
    registry = createModelRegistry(models);
  });

  const res = (oid: number, rid: number, version?: string): ResourceModel => {
    const r = registry.resource(oid, rid, version);
    if (r === undefined) throw new Error(`missing /${oid}/x/${rid}`);
    return r;
  };

  it('loads every file without problems or warnings', () => {
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('ships exactly one <ObjectID>.xml file per object', async () => {
    const files = (await readdir(SHIPPED_XML_DIR)).filter((f) => f.endsWith('.xml')).sort();
    expect(files).toEqual(
      Object.keys(EXPECTED)
        .map((id) => `${id}.xml`)
        .sort(),
    );
  });

  it('has the expected objects, versions and resource counts', () => {
    const actual: Record<number, Record<string, number>> = {};
    for (const m of models) (actual[m.id] ??= {})[m.version] = m.resources.size;
    expect(actual).toEqual(EXPECTED);
  });

  it('uses registry URNs and LwM2M versions', () => {
    expect(registry.get(3, '1.0')?.urn).toBe('urn:oma:lwm2m:oma:3');
    expect(registry.get(3, '1.1')?.urn).toBe('urn:oma:lwm2m:oma:3:1.1');
    expect(registry.get(3, '1.1')?.lwm2mVersion).toBe('1.1');
    expect(registry.get(3303, '1.0')?.urn).toBe('urn:oma:lwm2m:ext:3303');
    expect(registry.get(3303, '1.1')?.urn).toBe('urn:oma:lwm2m:ext:3303:1.1');
    for (const m of models) {
      if (m.id < 3300) expect(m.urn.startsWith('urn:oma:lwm2m:oma:')).toBe(true);
      if (m.id !== 3) expect(m.lwm2mVersion).toBe('1.0');
    }
  });

  it('object-level multiplicity and mandatory flags', () => {
    expect(registry.get(0)).toMatchObject({ name: 'LWM2M Security', multiple: true, mandatory: true });
    expect(registry.get(1)).toMatchObject({ name: 'LwM2M Server', multiple: true, mandatory: true });
    expect(registry.get(3)).toMatchObject({ name: 'Device', multiple: false, mandatory: true });
    expect(registry.get(4)).toMatchObject({ name: 'Connectivity Monitoring', multiple: false, mandatory: false });
    expect(registry.get(5)).toMatchObject({ name: 'Firmware Update', multiple: false, mandatory: false });
    expect(registry.get(3303)).toMatchObject({ name: 'Temperature', multiple: true, mandatory: false });
  });

  it('Device (3) resources', () => {
    expect(res(3, 0)).toMatchObject({ name: 'Manufacturer', type: 'String', operations: 'R' });
    expect(res(3, 4)).toMatchObject({ name: 'Reboot', type: 'none', operations: 'E', mandatory: true });
    expect(res(3, 5)).toMatchObject({ type: 'none', operations: 'E' });
    expect(res(3, 6)).toMatchObject({ name: 'Available Power Sources', type: 'Integer', multiple: true });
    expect(res(3, 7)).toMatchObject({ type: 'Integer', multiple: true, units: 'mV' });
    expect(res(3, 9)).toMatchObject({ name: 'Battery Level', rangeEnumeration: '0..100', units: '%' });
    expect(res(3, 11)).toMatchObject({ name: 'Error Code', type: 'Integer', multiple: true, mandatory: true });
    expect(res(3, 13)).toMatchObject({ name: 'Current Time', type: 'Time', operations: 'RW' });
    expect(res(3, 14)).toMatchObject({ name: 'UTC Offset', type: 'String', operations: 'RW' });
    expect(res(3, 15)).toMatchObject({ name: 'Timezone', type: 'String', operations: 'RW' });
    expect(res(3, 16)).toMatchObject({ name: 'Supported Binding and Modes', type: 'String', mandatory: true });
    expect(res(3, 20)).toMatchObject({ name: 'Battery Status', type: 'Integer' });
    expect(res(3, 21)).toMatchObject({ name: 'Memory Total', type: 'Integer' });
    expect(res(3, 22)).toMatchObject({ name: 'ExtDevInfo', type: 'Objlnk', multiple: true });
    expect(registry.resource(3, 22, '1.0')).toBeUndefined();
  });

  it('Security, Server, Access Control resources', () => {
    expect(res(0, 0)).toMatchObject({ name: 'LWM2M Server URI', type: 'String', operations: '' });
    expect(res(0, 1)).toMatchObject({ type: 'Boolean', operations: '' });
    expect(res(0, 3)).toMatchObject({ type: 'Opaque' });
    expect(res(1, 1)).toMatchObject({ name: 'Lifetime', type: 'Integer', operations: 'RW', units: 's' });
    expect(res(1, 7)).toMatchObject({ name: 'Binding', type: 'String', operations: 'RW' });
    expect(res(1, 8)).toMatchObject({ name: 'Registration Update Trigger', type: 'none', operations: 'E' });
    expect(res(2, 2)).toMatchObject({ name: 'ACL', type: 'Integer', multiple: true });
  });

  it('Connectivity, Firmware, Location, Statistics resources', () => {
    expect(res(4, 1)).toMatchObject({ name: 'Available Network Bearer', multiple: true, type: 'Integer' });
    expect(res(4, 2)).toMatchObject({ name: 'Radio Signal Strength', units: 'dBm' });
    expect(res(4, 4)).toMatchObject({ name: 'IP Addresses', type: 'String', multiple: true });
    expect(res(5, 0)).toMatchObject({ name: 'Package', type: 'Opaque', operations: 'W' });
    expect(res(5, 1)).toMatchObject({ name: 'Package URI', type: 'String' });
    expect(res(5, 2)).toMatchObject({ name: 'Update', type: 'none', operations: 'E' });
    expect(res(5, 3)).toMatchObject({ name: 'State', type: 'Integer', rangeEnumeration: '0..3' });
    expect(res(5, 8)).toMatchObject({ multiple: true });
    expect(res(6, 0)).toMatchObject({ name: 'Latitude', type: 'Float' });
    expect(res(6, 1)).toMatchObject({ name: 'Longitude', type: 'Float' });
    expect(res(6, 4)).toMatchObject({ name: 'Velocity', type: 'Opaque' });
    expect(res(6, 5)).toMatchObject({ name: 'Timestamp', type: 'Time', mandatory: true });
    expect(res(7, 6)).toMatchObject({ name: 'Start', type: 'none', operations: 'E' });
    expect(res(7, 8)).toMatchObject({ name: 'Collection Period', type: 'Integer', operations: 'RW' });
  });

  it('IPSO reusable resources', () => {
    for (const oid of [3300, 3301, 3303, 3304, 3315, 3323]) {
      expect(res(oid, 5700)).toMatchObject({ name: 'Sensor Value', type: 'Float', operations: 'R', mandatory: true });
      expect(res(oid, 5701)).toMatchObject({ name: 'Sensor Units', type: 'String' });
      expect(res(oid, 5601)).toMatchObject({ type: 'Float' });
      expect(res(oid, 5602)).toMatchObject({ type: 'Float' });
      expect(res(oid, 5605)).toMatchObject({ type: 'none', operations: 'E' });
      expect(res(oid, 5750)).toMatchObject({ name: 'Application Type', type: 'String', operations: 'RW' });
      expect(res(oid, 5518)).toMatchObject({ name: 'Timestamp', type: 'Time' });
    }
    expect(res(3311, 5850)).toMatchObject({ name: 'On/Off', type: 'Boolean', operations: 'RW', mandatory: true });
    expect(res(3311, 5851)).toMatchObject({ name: 'Dimmer', type: 'Integer', rangeEnumeration: '0..100', units: '%' });
    expect(res(3311, 5852)).toMatchObject({ type: 'Integer', units: 's' });
    expect(res(3311, 5805)).toMatchObject({ type: 'Float', units: 'Wh' });
    expect(res(3311, 5706)).toMatchObject({ name: 'Colour', type: 'String' });
    expect(res(3336, 5514)).toMatchObject({ name: 'Latitude', type: 'String' });
    expect(res(3336, 5515)).toMatchObject({ name: 'Longitude', type: 'String' });
    expect(res(3336, 5705)).toMatchObject({ name: 'Compass Direction', type: 'Float' });
    expect(res(3336, 5517)).toMatchObject({ name: 'Velocity', type: 'Opaque' });
    expect(res(3342, 5500)).toMatchObject({ name: 'Digital Input State', type: 'Boolean' });
    expect(res(3342, 5501)).toMatchObject({ name: 'Digital Input Counter', type: 'Integer' });
    expect(res(3306, 5850)).toMatchObject({ type: 'Boolean', operations: 'RW' });
    expect(res(3308, 5900)).toMatchObject({ name: 'Set Point Value', type: 'Float', operations: 'RW' });
  });

  it('every executable has type none and every other resource has a type', () => {
    for (const m of models) {
      for (const r of m.resources.values()) {
        expect(r.operations === 'E', `/${m.id}@${m.version}/${r.id}`).toBe(r.type === 'none');
        expect(r.description.length, `/${m.id}/${r.id} description`).toBeGreaterThan(0);
      }
    }
  });

  it('sensor v1.1 definitions extend v1.0 without changing it', () => {
    for (const oid of [3300, 3301, 3303, 3304, 3315, 3323]) {
      const v10 = registry.get(oid, '1.0');
      const v11 = registry.get(oid, '1.1');
      expect(v10?.version).toBe('1.0');
      expect(v11?.version).toBe('1.1');
      for (const [rid, r] of v10?.resources ?? []) expect(v11?.resources.get(rid)).toEqual(r);
    }
  });
});
