import { describe, expect, it } from 'vitest';
import { decodeCompositeContent, encodeCompositePaths, encodeCompositeWrite } from '../../../src/lwm2m/content/composite.js';
import { decodeCbor } from '../../../src/lwm2m/content/cbor-primitives.js';
import { parsePath } from '../../../src/lwm2m/path.js';
import { entry, errorOf } from './test-helpers.js';
import { models } from './test-models.js';

const JSON_CF = 110;
const CBOR_CF = 112;
const lookup = (oid: number, rid: number) => models.resource(oid, rid);
const decode = (format: number | undefined, payload: string | Buffer) =>
  decodeCompositeContent(format, typeof payload === 'string' ? Buffer.from(payload) : payload, lookup);

describe('composite SenML packs (LwM2M 1.1 TS §6.3.8, §6.3.9, §6.4.4, Send)', () => {
  it('a path list is one name-only record per path, in SenML JSON and CBOR', () => {
    const paths = [parsePath('/3/0/0'), parsePath('/1/0')];
    expect(JSON.parse(encodeCompositePaths(JSON_CF, paths).toString())).toEqual([{ n: '/3/0/0' }, { n: '/1/0' }]);
    const cbor = decodeCbor(encodeCompositePaths(CBOR_CF, paths), 'test') as Map<number, string>[];
    expect(cbor.map((m) => [...m])).toEqual([[[0, '/3/0/0']], [[0, '/1/0']]]);
    expect(errorOf(() => encodeCompositePaths(11542, paths)).message).toMatch(/SenML/);
  });

  it('a composite write names every value absolutely; last duplicate wins; whole resource and its instance are refused', () => {
    const out = encodeCompositeWrite(JSON_CF, [entry('/1/0/1', 'Integer', 60), entry('/3/0/14', 'String', 'x'), entry('/1/0/1', 'Integer', 90)]);
    expect(JSON.parse(out.toString())).toEqual([
      { n: '/3/0/14', vs: 'x' },
      { n: '/1/0/1', v: 90 },
    ]);
    expect(errorOf(() => encodeCompositeWrite(JSON_CF, [entry('/3/0/7', 'Integer', 1), entry('/3/0/7/0', 'Integer', 2)])).message).toMatch(/mix/);
    expect(errorOf(() => encodeCompositeWrite(JSON_CF, [entry('/3/0', 'Integer', 1)])).message).toMatch(/does not name a resource/);
    expect(errorOf(() => encodeCompositeWrite(JSON_CF, [entry('/1/0/1', 'Integer', 'x')])).message).toMatch(/not a valid Integer/);
  });

  it('decodes absolute names with base names, and checks each value against its model', () => {
    expect(decode(JSON_CF, '[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"9","v":5},{"bn":"/1/0/6","vb":false},{"bn":"/9999/0/","n":"5","vd":"AQI"}]')).toEqual([
      { path: '/3/0/0', value: 'ACME' },
      { path: '/3/0/9', value: 5 },
      { path: '/1/0/6', value: false },
      { path: '/9999/0/5', value: 'AQI=' },
    ]);
    expect(errorOf(() => decode(JSON_CF, '[{"n":"/1/0/1","v":1.5}]')).message).toMatch(/integer/);
    expect(errorOf(() => decode(JSON_CF, '[{"n":"/1/0/6","v":1}]')).message).toMatch(/boolean/);
    expect(errorOf(() => decode(JSON_CF, '[{"n":"/3/0/0","v":1}]')).message).toMatch(/string/);
    expect(errorOf(() => decode(JSON_CF, '[{"n":"0","v":1}]')).message).toMatch(/absolute/);
    expect(errorOf(() => decode(JSON_CF, '[{"n":"/3/0","v":1}]')).message).toMatch(/does not name a resource/);
    expect(errorOf(() => decode(0, 'x')).message).toMatch(/SenML/);
    // No model for the object: values pass as sent.
    expect(decode(JSON_CF, '[{"n":"/4242/0/1","vs":"free"}]')).toEqual([{ path: '/4242/0/1', value: 'free' }]);
  });

  it('reports SenML times: bt + t, absolute from 2^28 on, relative to now below (RFC 8428 §4.5.3)', () => {
    const now = 1_800_000_000_000;
    const pack =
      '[{"bn":"/3/0/9","bt":1700000000,"t":-60,"v":90},{"t":0,"v":89},{"bn":"/1/0/1","bt":0,"v":5},{"n":"/1/0/1","t":-30,"v":6},{"bn":"/3/0/0","bt":null}]';
    expect(() => decodeCompositeContent(JSON_CF, Buffer.from(pack), lookup, now)).toThrow(/bt/);
    const ok = '[{"bn":"/3/0/9","bt":1700000000,"t":-60,"v":90},{"t":0,"v":89},{"bn":"/1/0/1","bt":-10,"v":5},{"t":-30,"v":6}]';
    expect(decodeCompositeContent(JSON_CF, Buffer.from(ok), lookup, now)).toEqual([
      { path: '/3/0/9', value: 90, time: 1699999940 },
      { path: '/3/0/9', value: 89, time: 1700000000 },
      { path: '/1/0/1', value: 5, time: 1799999990 },
      { path: '/1/0/1', value: 6, time: 1799999960 },
    ]);
    // CBOR labels bt -3 and t 6; no time given, no time reported.
    const cbor = Buffer.from([
      0x82, 0xa3, 0x22, 0x1a, 0x65, 0x53, 0xf1, 0x00, 0x00, 0x66, 0x2f, 0x33, 0x2f, 0x30, 0x2f, 0x39, 0x02, 0x01, 0xa2, 0x00, 0x66, 0x2f, 0x33, 0x2f, 0x30,
      0x2f, 0x39, 0x02, 0x02,
    ]);
    expect(decodeCompositeContent(CBOR_CF, cbor, lookup, now)).toEqual([
      { path: '/3/0/9', value: 1, time: 1700000000 },
      { path: '/3/0/9', value: 2, time: 1700000000 },
    ]);
    expect(decode(JSON_CF, '[{"n":"/3/0/9","v":3}]')).toEqual([{ path: '/3/0/9', value: 3 }]);
  });
});
