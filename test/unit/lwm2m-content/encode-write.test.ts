import { describe, expect, it } from 'vitest';
import { ContentFormat, decodeContent, type WriteEntry } from '../../../src/lwm2m/content/index.js';
import type { ResourceType } from '../../../src/lwm2m/model/types.js';
import { parsePath } from '../../../src/lwm2m/path.js';
import { parseTlv } from '../../../src/lwm2m/content/tlv.js';
import {
  ACCESS_CONTROL_TWO_INSTANCES,
  DEVICE_OBJECT,
  DEVICE_RESOURCES,
  OBJECT_65_INSTANCE,
  OBJECT_66_TWO_INSTANCES,
  SERVER_ONE_INSTANCE,
} from './spec-examples.js';
import { entry, errorOf, write } from './test-helpers.js';
import { hex, models } from './test-models.js';

const TLV = ContentFormat.TLV;

/** Decoded spec example -> write entries typed by the test models. */
function entriesOf(bytes: Buffer, readPath: string): WriteEntry[] {
  return decodeContent(TLV, bytes, parsePath(readPath), models).map((c) => {
    const path = parsePath(c.path);
    const type = models.resource(path.objectId, path.resourceId as number)?.type ?? 'String';
    return { path, type, value: c.value };
  });
}

describe('encodeWrite TLV: LwM2M 1.0 TS §6.4.3 examples re-encoded byte-identical from typed values', () => {
  it.each([
    ['Device resources, write to /3/0', DEVICE_RESOURCES, '/3/0', '/3/0'],
    ['Device object instance, create on /3', DEVICE_OBJECT, '/3', '/3'],
    ['Server instance, create on /1', SERVER_ONE_INSTANCE, '/1', '/1'],
    ['Access Control two instances with id 310, create on /2', ACCESS_CONTROL_TWO_INSTANCES, '/2', '/2'],
    ['Object 65 instance with object links, write to /65/0', OBJECT_65_INSTANCE, '/65/0', '/65/0'],
    ['Object 66 two instances, create on /66', OBJECT_66_TWO_INSTANCES, '/66', '/66'],
  ])('%s', (_name, bytes, readPath, basePath) => {
    const encoded = write(TLV, basePath, entriesOf(bytes, readPath));
    expect(encoded.toString('hex')).toBe(bytes.toString('hex'));
  });
});

describe('encodeWrite TLV nesting below basePath', () => {
  it('/3/0 with /3/0/13, /3/0/14, /3/0/6/0 -> resource TLVs plus a multiple-resource TLV', () => {
    const bytes = write(TLV, '/3/0', [entry('/3/0/13', 'Time', 1367491215), entry('/3/0/14', 'String', '+02:00'), entry('/3/0/6/0', 'Integer', 1)]);
    expect(bytes).toEqual(hex('C4 0D 5182428F  C6 0E 2B30323A3030  83 06 41 00 01'));
  });

  it('/3/0/22 with /3/0/22/0..2 -> one multiple-resource TLV', () => {
    const bytes = write(TLV, '/3/0/22', [entry('/3/0/22/0', 'Objlnk', '66:0'), entry('/3/0/22/1', 'Objlnk', '66:1'), entry('/3/0/22/2', 'Objlnk', '67:0')]);
    expect(bytes).toEqual(hex('88 16 12  44 00 00420000  44 01 00420001  44 02 00430000'));
  });

  it('Create on /6 with /6/0/0, /6/0/4 -> object-instance TLV for instance 0', () => {
    const bytes = write(TLV, '/6', [entry('/6/0/0', 'Float', '43.5'), entry('/6/0/4', 'Opaque', 'AQI=')]);
    expect(bytes).toEqual(hex('08 00 0F  C8 00 08 4045C00000000000  C2 04 0102'));
  });

  it('single resource /3/0/13 -> one resource TLV; resource instance /3/0/22/0 -> resource-instance TLV', () => {
    expect(write(TLV, '/3/0/13', [entry('/3/0/13', 'Time', '1367491215')])).toEqual(hex('C4 0D 5182428F'));
    expect(write(TLV, '/3/0/22/0', [entry('/3/0/22/0', 'Objlnk', '66:1')])).toEqual(hex('44 00 00420001'));
  });

  it('16-bit instance and resource ids, several instances and empty creates', () => {
    expect(write(TLV, '/3300', [entry('/3300/300/5700', 'Float', 1), entry('/3300/1/5700', 'Float', -1)])).toEqual(
      hex('28 012C 0C  E8 1644 08 3FF0000000000000  08 01 0C  E8 1644 08 BFF0000000000000'),
    );
    expect(write(TLV, '/6', [])).toEqual(Buffer.alloc(0));
    expect(write(ContentFormat.OLD_TLV, '/3/0/9', [entry('/3/0/9', 'Integer', 100)])).toEqual(hex('C1 09 64'));
  });

  it('duplicate paths: last value wins, first position kept', () => {
    const bytes = write(TLV, '/3/0', [entry('/3/0/9', 'Integer', 1), entry('/3/0/10', 'Integer', 2), entry('/3/0/9', 'Integer', 3)]);
    expect(bytes).toEqual(hex('C1 09 03 C1 0A 02'));
  });
});

describe('encodeWrite value conversion from JSON command values', () => {
  const one = (type: ResourceType, value: unknown): Buffer => {
    const [record] = parseTlv(write(TLV, '/9999/0/1', [entry('/9999/0/1', type, value)]));
    if (record?.kind !== 'resource' || record.id !== 1) throw new Error('expected one resource TLV');
    return record.value;
  };

  it('Integer / Time / Unsigned Integer: numbers and numeric strings, signed 1/2/4/8 bytes', () => {
    expect(one('Integer', 200)).toEqual(hex('00C8'));
    expect(one('Integer', '12345')).toEqual(hex('3039'));
    expect(one('Integer', '-129')).toEqual(hex('FF7F'));
    expect(one('Integer', '12.0')).toEqual(hex('0C'));
    expect(one('Integer', '9223372036854775807')).toEqual(hex('7FFFFFFFFFFFFFFF'));
    expect(one('Time', '1367491215')).toEqual(hex('5182428F'));
    expect(one('Unsigned Integer', 200)).toEqual(hex('C8'));
    expect(one('Unsigned Integer', '18446744073709551615')).toEqual(hex('FFFFFFFFFFFFFFFF'));
  });

  it('Float: numbers and numeric strings, always an 8-byte double even for integral strings', () => {
    expect(one('Float', '3')).toEqual(hex('4008000000000000'));
    expect(one('Float', 1.5)).toEqual(hex('3FF8000000000000'));
    expect(one('Float', '-2.5e1')).toEqual(hex('C039000000000000'));
  });

  it('Boolean: true/false, "true"/"false", "1"/"0", 1/0', () => {
    for (const v of [true, 'true', '1', 1]) expect(one('Boolean', v)).toEqual(hex('01'));
    for (const v of [false, 'false', '0', 0]) expect(one('Boolean', v)).toEqual(hex('00'));
  });

  it('String (and numbers), Corelnk, Opaque (base64, base64url or Buffer), Objlnk', () => {
    expect(one('String', 'héllo')).toEqual(Buffer.from('héllo'));
    expect(one('String', 42)).toEqual(Buffer.from('42'));
    expect(one('Corelnk', '</3/0>')).toEqual(Buffer.from('</3/0>'));
    expect(one('Opaque', '3q2+7w==')).toEqual(hex('DEADBEEF'));
    expect(one('Opaque', '3q2-7w')).toEqual(hex('DEADBEEF'));
    expect(one('Opaque', hex('CAFE'))).toEqual(hex('CAFE'));
    expect(one('Opaque', '')).toEqual(Buffer.alloc(0));
    expect(one('Objlnk', '66:1')).toEqual(hex('00420001'));
  });

  it.each([
    ['Integer', 'x', 'value "x" is not a valid Integer for /9999/0/1'],
    ['Integer', 1.5, 'value 1.5 is not a valid Integer for /9999/0/1'],
    ['Integer', true, 'value true is not a valid Integer for /9999/0/1'],
    ['Integer', '9223372036854775808', 'value "9223372036854775808" is not a valid Integer for /9999/0/1'],
    ['Unsigned Integer', -1, 'value -1 is not a valid Unsigned Integer for /9999/0/1'],
    ['Time', null, 'value null is not a valid Time for /9999/0/1'],
    ['Float', 'NaN', 'value "NaN" is not a valid Float for /9999/0/1'],
    ['Float', '', 'value "" is not a valid Float for /9999/0/1'],
    ['Boolean', 'yes', 'value "yes" is not a valid Boolean for /9999/0/1'],
    ['Boolean', 2, 'value 2 is not a valid Boolean for /9999/0/1'],
    ['String', { a: 1 }, 'value {"a":1} is not a valid String for /9999/0/1'],
    ['String', false, 'value false is not a valid String for /9999/0/1'],
    ['Opaque', 'not base64!', 'value "not base64!" is not a valid Opaque for /9999/0/1'],
    ['Opaque', 'abcde', 'value "abcde" is not a valid Opaque for /9999/0/1'],
    ['Objlnk', '66', 'value "66" is not a valid Objlnk for /9999/0/1'],
    ['Objlnk', '66:70000', 'value "66:70000" is not a valid Objlnk for /9999/0/1'],
    ['none', '1', 'value "1" is not a valid value (resource is not writable) for /9999/0/1'],
  ] as const)('%s %j -> GW_ERR_CONTENT', (type, value, message) => {
    const err = errorOf(() => one(type, value));
    expect(err.code).toBe('GW_ERR_CONTENT');
    expect(err.message).toBe(message);
  });
});

describe('encodeWrite shape errors', () => {
  it('rejects entries outside basePath, above resource level, and whole + instance mixes', () => {
    expect(errorOf(() => write(TLV, '/3/0', [entry('/3/1/9', 'Integer', 1)])).message).toBe('write entry /3/1/9 is not below /3/0');
    expect(errorOf(() => write(TLV, '/3', [entry('/3/0', 'Integer', 1)])).message).toBe('write entry /3/0 does not name a resource');
    expect(errorOf(() => write(TLV, '/3/0', [entry('/3/0/6', 'Integer', 1), entry('/3/0/6/0', 'Integer', 1)])).message).toMatch(
      /mix \/3\/0\/6 and its instance/,
    );
  });

  it('single-value formats need exactly one entry at basePath', () => {
    expect(errorOf(() => write(0, '/3/0', [entry('/3/0/9', 'Integer', 1), entry('/3/0/10', 'Integer', 1)])).message).toMatch(/exactly one value, got 2/);
    expect(errorOf(() => write(0, '/3/0', [entry('/3/0/9', 'Integer', 1)])).message).toMatch(/must be written to its own path/);
    expect(errorOf(() => write(ContentFormat.OPAQUE, '/3/0/9', [entry('/3/0/9', 'Integer', 1)])).message).toMatch(/only carry an Opaque value/);
    expect(errorOf(() => write(ContentFormat.LINK_FORMAT, '/3/0/9', [entry('/3/0/9', 'Integer', 1)])).message).toMatch(
      /cannot encode a write as application\/link-format/,
    );
  });
});
