import { describe, expect, it } from 'vitest';
import { ContentFormat, decodeContent } from '../../../src/lwm2m/content/index.js';
import type { ModelRegistry } from '../../../src/lwm2m/model/types.js';
import { parsePath } from '../../../src/lwm2m/path.js';
import {
  ACCESS_CONTROL_TWO_INSTANCES,
  DEVICE_OBJECT,
  DEVICE_RESOURCES,
  OBJECT_65_INSTANCE,
  OBJECT_66_TWO_INSTANCES,
  SERVER_ONE_INSTANCE,
} from './spec-examples.js';
import { decode, errorOf } from './test-helpers.js';
import { hex, models, noModels } from './test-models.js';

const TLV = ContentFormat.TLV;

const DEVICE_CONTENT = [
  { path: '/3/0/0', value: 'Open Mobile Alliance' },
  { path: '/3/0/1', value: 'Lightweight M2M Client' },
  { path: '/3/0/2', value: '345000123' },
  { path: '/3/0/3', value: '1.0' },
  { path: '/3/0/6/0', value: 1 },
  { path: '/3/0/6/1', value: 5 },
  { path: '/3/0/7/0', value: 3800 },
  { path: '/3/0/7/1', value: 5000 },
  { path: '/3/0/8/0', value: 125 },
  { path: '/3/0/8/1', value: 900 },
  { path: '/3/0/9', value: 100 },
  { path: '/3/0/10', value: 15 },
  { path: '/3/0/11/0', value: 0 },
  { path: '/3/0/13', value: 0x5182428f },
  { path: '/3/0/14', value: '+02:00' },
  { path: '/3/0/16', value: 'U' },
];

describe('decodeContent: TLV typed through the model (EMQX answer shape)', () => {
  it('Read /3/0: resources and multiple resources as /o/i/r and /o/i/r/ri', () => {
    expect(decode(TLV, DEVICE_RESOURCES, '/3/0')).toEqual(DEVICE_CONTENT);
  });

  it('Read /3 with one object instance keeps the leading slash', () => {
    expect(decode(TLV, DEVICE_OBJECT, '/3')).toEqual(DEVICE_CONTENT);
  });

  it('Read /1 (Server, one instance): Integer, Boolean, String', () => {
    expect(decode(TLV, SERVER_ONE_INSTANCE, '/1')).toEqual([
      { path: '/1/0/0', value: 1 },
      { path: '/1/0/1', value: 86400 },
      { path: '/1/0/6', value: true },
      { path: '/1/0/7', value: 'U' },
    ]);
  });

  it('Read /2 answered with several instances: paths WITHOUT leading slash, as EMQX', () => {
    expect(decode(TLV, ACCESS_CONTROL_TWO_INSTANCES, '/2')).toEqual([
      { path: '2/0/0', value: 1 },
      { path: '2/0/1', value: 0 },
      { path: '2/0/2/127', value: 7 },
      { path: '2/0/3', value: 127 },
      { path: '2/2/0', value: 3 },
      { path: '2/2/1', value: 0 },
      { path: '2/2/2/127', value: 7 },
      { path: '2/2/2/310', value: 1 },
      { path: '2/2/3', value: 127 },
    ]);
  });

  it('Read /65/0 and /66: Objlnk as "oid:iid"', () => {
    expect(decode(TLV, OBJECT_65_INSTANCE, '/65/0')).toEqual([
      { path: '/65/0/0/0', value: '66:0' },
      { path: '/65/0/0/1', value: '66:1' },
      { path: '/65/0/1', value: '8613800755500' },
      { path: '/65/0/2', value: 0x12345678 },
    ]);
    expect(decode(TLV, OBJECT_66_TWO_INSTANCES, '66')).toEqual([
      { path: '66/0/0', value: 'myService 1' },
      { path: '66/0/1', value: 'Internet.15.234' },
      { path: '66/0/2', value: '67:0' },
      { path: '66/1/0', value: 'myService 2' },
      { path: '66/1/1', value: 'Internet.15.235' },
      { path: '66/1/2', value: '65535:65535' },
    ]);
  });

  it('single resource read -> one item at reqPath; multiple resource read -> its instances', () => {
    expect(decode(TLV, hex('C1 09 64'), '/3/0/9')).toEqual([{ path: '/3/0/9', value: 100 }]);
    expect(decode(TLV, hex('88 07 08 42 00 0ED8 42 01 1388'), '/3/0/7')).toEqual([
      { path: '/3/0/7/0', value: 3800 },
      { path: '/3/0/7/1', value: 5000 },
    ]);
    expect(decode(TLV, hex('42 01 1388'), '/3/0/7/1')).toEqual([{ path: '/3/0/7/1', value: 5000 }]);
  });

  it('types every data type from TLV', () => {
    const payload = hex(`
      C3 00 616263
      C2 01 00C8
      C2 02 FFFF
      C4 03 3FC00000
      C1 04 01
      C3 05 010203
      C4 06 5182428F
      C4 07 00030001
      C5 08 3C2F333E3B
    `);
    expect(decode(TLV, payload, '/9999/0')).toEqual([
      { path: '/9999/0/0', value: 'abc' },
      { path: '/9999/0/1', value: 200 },
      { path: '/9999/0/2', value: 65535 },
      { path: '/9999/0/3', value: 1.5 },
      { path: '/9999/0/4', value: true },
      { path: '/9999/0/5', value: 'AQID' },
      { path: '/9999/0/6', value: 1367491215 },
      { path: '/9999/0/7', value: '3:1' },
      { path: '/9999/0/8', value: '</3>;' },
    ]);
  });

  it('treats 1542 as TLV and a missing Content-Format on an object instance as TLV', () => {
    expect(decode(ContentFormat.OLD_TLV, DEVICE_RESOURCES, '/3/0')).toEqual(DEVICE_CONTENT);
    expect(decode(undefined, DEVICE_RESOURCES, '/3/0')).toEqual(DEVICE_CONTENT);
    expect(decode(TLV, Buffer.alloc(0), '/3/0')).toEqual([]);
  });

  it('throws GW_ERR_CONTENT on malformed TLV and on values that do not fit the model type', () => {
    expect(errorOf(() => decode(TLV, hex('C8 00 14 4F70'), '/3/0')).code).toBe('GW_ERR_CONTENT');
    expect(errorOf(() => decode(TLV, hex('C3 09 000064'), '/3/0')).message).toMatch(/Integer value of \/3\/0\/9 must be 1, 2, 4 or 8 bytes, got 3/);
    expect(errorOf(() => decode(TLV, hex('C1 06 02'), '/1/0')).message).toMatch(/Boolean value of \/1\/0\/6/);
    expect(errorOf(() => decode(TLV, hex('C3 07 000001'), '/9999/0')).message).toMatch(/Objlnk/);
    expect(errorOf(() => decode(TLV, hex('41 00 01'), '/3/0')).message).toMatch(/needs a longer request path/);
  });
});

describe('decodeContent: best effort without a model (deliberate difference from EMQX 4.00)', () => {
  it('decodes the Device example with no models: printable -> string, 1/2/4/8 bytes -> integer', () => {
    const content = decode(TLV, DEVICE_RESOURCES, '/3/0', noModels);
    const byPath = Object.fromEntries(content.map((c) => [c.path, c.value]));
    expect(byPath).toEqual({
      '/3/0/0': 'Open Mobile Alliance',
      '/3/0/1': 'Lightweight M2M Client',
      '/3/0/2': '345000123',
      '/3/0/3': '1.0',
      '/3/0/6/0': 1,
      '/3/0/6/1': 5,
      '/3/0/7/0': 3800,
      '/3/0/7/1': 5000,
      '/3/0/8/0': 125,
      '/3/0/8/1': 900,
      '/3/0/9': 100,
      '/3/0/10': 15,
      '/3/0/11/0': 0,
      '/3/0/13': 0x5182428f,
      '/3/0/14': '+02:00',
      // One byte is taken as an integer: "U" comes out as 85 without a model.
      '/3/0/16': 85,
    });
  });

  it('falls back to base64 for non-printable bytes of other lengths, and "" for empty values', () => {
    expect(decode(TLV, hex('C3 05 00FF10 C0 06'), '/4242/0', noModels)).toEqual([
      { path: '/4242/0/5', value: 'AP8Q' },
      { path: '/4242/0/6', value: '' },
    ]);
    expect(decode(TLV, hex('C8 07 08 FFFFFFFFFFFFFFFE'), '/4242/0', noModels)).toEqual([{ path: '/4242/0/7', value: -2 }]);
    expect(decode(TLV, hex('C8 07 08 7FFFFFFFFFFFFFFF'), '/4242/0', noModels)).toEqual([{ path: '/4242/0/7', value: 'f/////////8=' }]);
  });

  it('applies best effort to a resource missing from a known object and to executable resources', () => {
    expect(decode(TLV, hex('C6 11 73656E736F72 C1 0A 07'), '/9999/0')).toEqual([
      { path: '/9999/0/17', value: 'sensor' },
      { path: '/9999/0/10', value: 7 },
    ]);
  });

  it('text without a model: decimal -> number, else string', () => {
    expect(decode(0, '42', '/4242/0/1', noModels)).toEqual([{ path: '/4242/0/1', value: 42 }]);
    expect(decode(0, '-1.25', '/4242/0/1', noModels)).toEqual([{ path: '/4242/0/1', value: -1.25 }]);
    expect(decode(0, 'on', '/4242/0/1', noModels)).toEqual([{ path: '/4242/0/1', value: 'on' }]);
  });
});

describe('decodeContent: text/plain (0)', () => {
  it.each([
    ['/9999/0/0', 'hello, world', 'hello, world'],
    ['/9999/0/1', '12345', 12345],
    ['/9999/0/1', '-7', -7],
    ['/9999/0/1', '12.5', 12.5],
    ['/9999/0/2', '4294967295', 4294967295],
    ['/9999/0/3', '3.14', 3.14],
    ['/9999/0/3', '1e3', 1000],
    ['/9999/0/4', '1', true],
    ['/9999/0/4', '0', false],
    ['/9999/0/4', 'true', true],
    ['/9999/0/4', 'false', false],
    ['/9999/0/5', 'abc', 'YWJj'],
    ['/9999/0/6', '1367491215', 1367491215],
    ['/9999/0/7', '66:0', '66:0'],
    ['/9999/0/8', '</3/0>', '</3/0>'],
  ])('%s %j -> %j', (path, text, value) => {
    expect(decode(ContentFormat.TEXT, text, path)).toEqual([{ path, value }]);
  });

  it('is the default for a resource path without Content-Format', () => {
    expect(decode(undefined, '100', '/3/0/9')).toEqual([{ path: '/3/0/9', value: 100 }]);
  });

  it('rejects text for object / instance paths and values that do not parse', () => {
    expect(errorOf(() => decode(0, '1', '/3/0')).message).toMatch(/only a single resource value/);
    expect(errorOf(() => decode(0, 'abc', '/3/0/9')).message).toMatch(/text "abc" of \/3\/0\/9 is not a valid Integer/);
    expect(errorOf(() => decode(0, 'yes', '/9999/0/4')).message).toMatch(/not a valid Boolean/);
    expect(errorOf(() => decode(0, '9007199254740993', '/9999/0/1')).message).toMatch(/beyond 2\^53/);
    expect(errorOf(() => decode(0, ' 1x', '/9999/0/3')).code).toBe('GW_ERR_CONTENT');
  });
});

describe('decodeContent: empty values of optional resources decode to null (not a failed read)', () => {
  it('TLV zero-length Integer, Time, Unsigned Integer, Float, Boolean, Objlnk -> null; String and Opaque stay ""', () => {
    const payload = hex(`
      C0 00
      C0 01
      C0 02
      C0 03
      C0 04
      C0 05
      C0 06
      C0 07
      C1 09 07
    `);
    expect(decode(TLV, payload, '/9999/0')).toEqual([
      { path: '/9999/0/0', value: '' },
      { path: '/9999/0/1', value: null },
      { path: '/9999/0/2', value: null },
      { path: '/9999/0/3', value: null },
      { path: '/9999/0/4', value: null },
      { path: '/9999/0/5', value: '' },
      { path: '/9999/0/6', value: null },
      { path: '/9999/0/7', value: null },
      { path: '/9999/0/9', value: 7 },
    ]);
    // The Device object instance with an empty Current Time (13) and Battery Level (9).
    expect(decode(TLV, hex('C8 00 03 454D51 C0 09 C0 0D'), '/3/0')).toEqual([
      { path: '/3/0/0', value: 'EMQ' },
      { path: '/3/0/9', value: null },
      { path: '/3/0/13', value: null },
    ]);
  });

  it('text/plain "" (or blank) for a numeric, Boolean or Objlnk resource -> null; "" String stays ""', () => {
    for (const path of ['/9999/0/1', '/9999/0/2', '/9999/0/3', '/9999/0/4', '/9999/0/6', '/9999/0/7']) {
      expect(decode(ContentFormat.TEXT, '', path)).toEqual([{ path, value: null }]);
    }
    expect(decode(undefined, ' ', '/3/0/9')).toEqual([{ path: '/3/0/9', value: null }]);
    expect(decode(ContentFormat.TEXT, '', '/9999/0/0')).toEqual([{ path: '/9999/0/0', value: '' }]);
  });

  it('real malformed values are still errors', () => {
    expect(errorOf(() => decode(TLV, hex('C3 01 000064'), '/9999/0')).code).toBe('GW_ERR_CONTENT');
    expect(errorOf(() => decode(TLV, hex('C2 04 0101'), '/9999/0')).code).toBe('GW_ERR_CONTENT');
    expect(errorOf(() => decode(ContentFormat.TEXT, 'x', '/9999/0/1')).code).toBe('GW_ERR_CONTENT');
  });
});

describe('decodeContent: opaque (42), link format (40) and unknown formats', () => {
  it('octet-stream -> base64 of the whole payload at reqPath, model or not', () => {
    expect(decode(ContentFormat.OPAQUE, hex('DEADBEEF'), '/5/0/0')).toEqual([{ path: '/5/0/0', value: '3q2+7w==' }]);
    expect(decode(ContentFormat.OPAQUE, hex('00'), '/3/0', noModels)).toEqual([{ path: '/3/0', value: 'AA==' }]);
  });

  it('unknown formats are base64 at reqPath (EMQX); link format is the text', () => {
    expect(decode(12345, 'xyz', '/3/0/0')).toEqual([{ path: '/3/0/0', value: 'eHl6' }]);
    expect(decode(ContentFormat.LINK_FORMAT, '</3/0/0>', '/3/0')).toEqual([{ path: '/3/0', value: '</3/0/0>' }]);
  });
});

describe('decodeContent: object versions from the registration', () => {
  it('passes the ver= of the object to the registry', () => {
    const asked: (string | undefined)[] = [];
    const base = models.resource(3, 9);
    if (base === undefined) throw new Error('test model missing');
    const versioned: ModelRegistry = {
      get: (objectId, version) => models.get(objectId, version),
      resource: (objectId, resourceId, version) => {
        asked.push(version);
        return version === '2.0' ? { ...base, type: 'String' } : models.resource(objectId, resourceId);
      },
      all: () => models.all(),
    };
    expect(decodeContent(TLV, hex('C1 09 64'), parsePath('/3/0/9'), versioned)).toEqual([{ path: '/3/0/9', value: 100 }]);
    expect(decodeContent(TLV, hex('C1 09 64'), parsePath('/3/0/9'), versioned, new Map([[3, '2.0']]))).toEqual([{ path: '/3/0/9', value: 'd' }]);
    expect(asked).toEqual([undefined, '2.0']);
  });
});
