import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { ModelError } from '../../../src/lwm2m/model/model-error.js';
import { parseModelXml } from '../../../src/lwm2m/model/xml-loader.js';
import { ddfXml } from './ddf-text.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/lwm2m-xml/', import.meta.url));
const fixture = (name: string): Promise<string> => readFile(`${FIXTURES}${name}`, 'utf8');

/** Runs parseModelXml expecting a ModelError and returns it. */
function parseError(text: string, file = 'bad.xml'): ModelError {
  try {
    parseModelXml(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toBeInstanceOf(GatewayError);
    return err as ModelError;
  }
  throw new Error('expected parseModelXml to throw');
}

describe('parseModelXml', () => {
  it('reads every Object of a multi-object file with all fields', async () => {
    const models = parseModelXml(await fixture('multi-object.xml'), 'multi-object.xml');
    expect(models.map((m) => m.id)).toEqual([20000, 20001]);
    const [counter, gauge] = models;
    expect(counter).toMatchObject({
      name: 'Test Counter',
      description: 'Counts things.',
      urn: 'urn:oma:lwm2m:x:20000',
      version: '1.0',
      lwm2mVersion: '1.0',
      multiple: true,
      mandatory: false,
    });
    expect(counter?.resources.get(0)).toEqual({
      id: 0,
      name: 'Count',
      operations: 'R',
      multiple: false,
      mandatory: true,
      type: 'Integer',
      rangeEnumeration: '0..1000',
      units: '1',
      description: 'How many <things> so far.',
    });
    expect(counter?.resources.get(1)).toMatchObject({ name: 'Reset', operations: 'E', type: 'none' });
    expect(gauge).toMatchObject({ version: '2.0', lwm2mVersion: '1.1', multiple: false, mandatory: true });
    expect(gauge?.resources.get(0)).toMatchObject({ type: 'Unsigned Integer', operations: 'RW' });
    expect(gauge?.resources.get(7)).toMatchObject({ type: 'Corelnk', multiple: true });
    expect([...(gauge?.resources.keys() ?? [])]).toEqual([0, 7]);
  });

  it('defaults ObjectVersion and LWM2MVersion to 1.0 and keeps given versions', () => {
    const [plain] = parseModelXml(ddfXml({ id: 20100 }), 'plain.xml');
    expect(plain).toMatchObject({ version: '1.0', lwm2mVersion: '1.0' });
    const [versioned] = parseModelXml(ddfXml({ id: 20100, version: '1.10', lwm2mVersion: '1.1' }), 'v.xml');
    expect(versioned).toMatchObject({ version: '1.10', lwm2mVersion: '1.1', urn: 'urn:oma:lwm2m:x:20100:1.10' });
  });

  it('tolerates a BOM, namespace prefixes, xsi attributes, element order and whitespace', async () => {
    const text = await fixture('bom-namespaced.xml');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [model] = parseModelXml(text, 'bom-namespaced.xml');
    expect(model).toMatchObject({ id: 20002, name: 'Namespaced Sensor', multiple: true, mandatory: false, version: '1.0' });
    expect(model?.resources.get(5700)).toMatchObject({ name: 'Sensor Value', operations: 'R', type: 'Float', description: 'A value.' });
    expect(model?.resources.get(5605)).toMatchObject({ operations: 'E', type: 'none' });
  });

  it('accepts a BOM in a Buffer-decoded string too', () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ddfXml({ id: 20100 }))]).toString('utf8');
    expect(parseModelXml(text, 'bom.xml')).toHaveLength(1);
  });

  it('returns frozen models whose resource map cannot be changed', () => {
    const [model] = parseModelXml(ddfXml({ id: 20100 }), 'f.xml');
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model?.resources.get(0))).toBe(true);
    expect('set' in (model?.resources ?? {})).toBe(false);
  });

  it('rejects malformed XML naming the file', () => {
    const err = parseError('<LWM2M><Object><Name>x</Object></LWM2M>', 'broken.xml');
    expect(err.code).toBe('GW_ERR_MODEL');
    expect(err.file).toBe('broken.xml');
    expect(err.message).toMatch(/^broken\.xml: malformed XML: .+ \(line 1, column \d+\)$/);
  });

  it('rejects a wrong root element and an empty LWM2M', () => {
    expect(parseError('<Objects/>').reason).toBe('root element is <Objects>, expected <LWM2M>');
    expect(parseError('<LWM2M></LWM2M>').reason).toBe('no <Object> element under <LWM2M>');
  });

  it('rejects a missing or bad ObjectID', () => {
    expect(parseError(ddfXml({ id: undefined, name: 'Nameless' })).reason).toBe('object #1 (Nameless): missing ObjectID');
    expect(parseError(ddfXml({ id: 'abc' })).reason).toContain('ObjectID "abc" is not an integer');
    expect(parseError(ddfXml({ id: 65535 })).reason).toContain('ObjectID 65535 is outside 0..65534');
  });

  it('rejects an unknown Type naming object and resource', () => {
    const err = parseError(ddfXml({ id: 20100, name: 'Meter', items: [{ id: 3, name: 'Reading', type: 'Double' }] }), 'meter.xml');
    expect(err.message).toBe('meter.xml: object 20100 (Meter) resource 3 (Reading): unknown Type "Double"');
  });

  it('rejects duplicate resource ids', () => {
    const err = parseError(ddfXml({ id: 20100, items: [{ id: 1 }, { id: 2 }, { id: 1, name: 'Again' }] }));
    expect(err.reason).toBe('object 20100 (Test Object) resource 1 (Again): duplicate resource ID (already used by "Resource 1")');
  });

  it('rejects a non-executable resource without Type (empty or missing)', () => {
    expect(parseError(ddfXml({ id: 20100, items: [{ id: 4, type: '' }] })).reason).toContain(
      'resource 4 (Resource 4): missing Type (only executable resources may omit it)',
    );
    expect(parseError(ddfXml({ id: 20100, items: [{ id: 4, type: undefined, operations: 'RW' }] })).reason).toContain('missing Type');
  });

  it('rejects bad resource ids, operations and flags, listing every problem', () => {
    const err = parseError(
      ddfXml({
        id: 20100,
        items: [{ id: 70000 }, { id: 'x1' }, { id: 5, operations: 'RX' }, { id: 6, multiple: 'Many' }, { id: 7, mandatory: 'Sometimes' }],
      }),
    );
    expect(err.reasons).toEqual([
      'object 20100 (Test Object) resource 70000 (Resource 70000): ID 70000 is outside 0..65534',
      'object 20100 (Test Object) resource "x1" (Resource x1): ID "x1" is not an integer',
      'object 20100 (Test Object) resource 5 (Resource 5): unknown Operations "RX" (expected R, W, RW, E or empty)',
      'object 20100 (Test Object) resource 6 (Resource 6): MultipleInstances "Many" is not Multiple or Single',
      'object 20100 (Test Object) resource 7 (Resource 7): Mandatory "Sometimes" is not Mandatory or Optional',
    ]);
  });

  it('rejects an invalid ObjectVersion and object flags', () => {
    expect(parseError(ddfXml({ id: 20100, version: 'v2' })).reason).toContain('ObjectVersion "v2" is not a version like 1.0');
    expect(parseError(ddfXml({ id: 20100, multiple: 'Lots' })).reason).toContain('MultipleInstances "Lots" is not Multiple or Single');
  });

  it('rejects the same object id and version twice in one file', () => {
    expect(parseError(ddfXml({ id: 20100 }, { id: 20100 })).reason).toBe('object 20100 version 1.0 is defined twice in this file');
    expect(parseModelXml(ddfXml({ id: 20100 }, { id: 20100, version: '1.1' }), 'two.xml')).toHaveLength(2);
  });

  it('accepts operations in any case and the empty operation set', () => {
    const [model] = parseModelXml(
      ddfXml({
        id: 20100,
        items: [
          { id: 0, operations: 'rw' },
          { id: 1, operations: '' },
        ],
      }),
      'ops.xml',
    );
    expect(model?.resources.get(0)?.operations).toBe('RW');
    expect(model?.resources.get(1)?.operations).toBe('');
  });

  describe('warnings (the object still loads)', () => {
    /** Warnings reported for `text`, which must still parse into models. */
    const collect = (text: string): string[] => {
      const out: string[] = [];
      expect(parseModelXml(text, 'w.xml', out).length).toBeGreaterThan(0);
      return out;
    };
    const warningsOf = collect;

    it('object ids in the reserved ranges', () => {
      expect(warningsOf(ddfXml({ id: 1500, urn: 'urn:oma:lwm2m:ext:1500' }))).toContain(
        'object 1500 (Test Object): ObjectID 1500 is in the reserved range 1024-2047',
      );
      expect(warningsOf(ddfXml({ id: 50000, urn: 'urn:oma:lwm2m:x:50000' }))[0]).toContain('reserved range 42801-65534');
    });

    it('executable resources that declare a Type', () => {
      expect(warningsOf(ddfXml({ id: 20100, items: [{ id: 2, name: 'Go', operations: 'E', type: 'String' }] }))).toEqual([
        'object 20100 (Test Object) resource 2 (Go): executable resource declares Type String (executables have no value type)',
      ]);
    });

    it('LwM2M 1.1 types in a 1.0 object', () => {
      expect(warningsOf(ddfXml({ id: 20100, items: [{ id: 2, type: 'Unsigned Integer' }] }))[0]).toContain('Type Unsigned Integer needs LwM2M 1.1');
      expect(warningsOf(ddfXml({ id: 20100, lwm2mVersion: '1.1', items: [{ id: 2, type: 'Corelnk' }] }))).toEqual([]);
    });

    it('missing or inconsistent ObjectURN', () => {
      const [model] = parseModelXml(ddfXml({ id: 3, urn: '' }), 'u.xml');
      expect(model?.urn).toBe('urn:oma:lwm2m:oma:3');
      expect(collect(ddfXml({ id: 3, urn: '' }))).toEqual(['object 3 (Test Object): missing ObjectURN, using urn:oma:lwm2m:oma:3']);
      expect(collect(ddfXml({ id: 3, urn: 'urn:oma:lwm2m:oma:4' }))[0]).toContain('names object 4');
      expect(collect(ddfXml({ id: 3, urn: 'urn:oma:lwm2m:ext:3' }))[0]).toContain('uses kind "ext"');
      expect(collect(ddfXml({ id: 3, version: '1.1', urn: 'urn:oma:lwm2m:oma:3' }))[0]).toContain('does not match ObjectVersion 1.1');
      expect(collect(ddfXml({ id: 3, urn: 'device' }))[0]).toContain('is not of the form');
      expect(collect(ddfXml({ id: 3, version: '1.1', urn: 'urn:oma:lwm2m:oma:3:1.1' }))).toEqual([]);
    });
  });
});
