import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { ContentFormat, contentFormatName, type WriteEntry } from '../../../src/lwm2m/content/index.js';
import type { ResourceType } from '../../../src/lwm2m/model/types.js';
import { decode, entry, errorOf, write } from './test-helpers.js';
import { hex } from './test-models.js';

const cbor = (value: unknown): Buffer => new Encoder({ useRecords: false }).encode(value);

const ALL_TYPES: WriteEntry[] = [
  entry('/9999/0/0', 'String', 'héllo, "world"; ok'),
  entry('/9999/0/1', 'Integer', '-129'),
  entry('/9999/0/2', 'Unsigned Integer', 4294967296),
  entry('/9999/0/3', 'Float', 1.5),
  entry('/9999/0/4', 'Boolean', 'true'),
  entry('/9999/0/5', 'Opaque', 'AQID/w=='),
  entry('/9999/0/6', 'Time', 1367491215),
  entry('/9999/0/7', 'Objlnk', '66:1'),
  entry('/9999/0/8', 'Corelnk', '</3/0>;ver=1.1'),
  entry('/9999/0/9/0', 'Integer', 1),
  entry('/9999/0/9/7', 'Integer', -2),
];
const ALL_TYPES_DECODED = [
  { path: '/9999/0/0', value: 'héllo, "world"; ok' },
  { path: '/9999/0/1', value: -129 },
  { path: '/9999/0/2', value: 4294967296 },
  { path: '/9999/0/3', value: 1.5 },
  { path: '/9999/0/4', value: true },
  { path: '/9999/0/5', value: 'AQID/w==' },
  { path: '/9999/0/6', value: 1367491215 },
  { path: '/9999/0/7', value: '66:1' },
  { path: '/9999/0/8', value: '</3/0>;ver=1.1' },
  { path: '/9999/0/9/0', value: 1 },
  { path: '/9999/0/9/7', value: -2 },
];

describe('round trips of every data type through every multi-value format', () => {
  it.each([
    ['TLV', ContentFormat.TLV],
    ['TLV (1542)', ContentFormat.OLD_TLV],
    ['SenML JSON', ContentFormat.SENML_JSON],
    ['SenML CBOR', ContentFormat.SENML_CBOR],
    ['LwM2M JSON', ContentFormat.LWM2M_JSON],
    ['LwM2M JSON (1543)', ContentFormat.OLD_JSON],
  ])('%s: write /9999/0 then read it back', (_name, format) => {
    expect(decode(format, write(format, '/9999/0', ALL_TYPES), '/9999/0')).toEqual(ALL_TYPES_DECODED);
  });

  it.each([ContentFormat.TLV, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_JSON])(
    'format %d: create on an object with two instances reads back without leading slashes',
    (format) => {
      const bytes = write(format, '/9999', [entry('/9999/0/1', 'Integer', 7), entry('/9999/3/0', 'String', 'x')]);
      expect(decode(format, bytes, '/9999')).toEqual([
        { path: '9999/0/1', value: 7 },
        { path: '9999/3/0', value: 'x' },
      ]);
    },
  );
});

describe('round trips of every data type through the single-value formats', () => {
  const singles: [string, ResourceType, unknown, unknown][] = [
    ['/9999/0/0', 'String', 'a, b; c', 'a, b; c'],
    ['/9999/0/1', 'Integer', '-129', -129],
    ['/9999/0/2', 'Unsigned Integer', 200, 200],
    ['/9999/0/3', 'Float', '3', 3],
    ['/9999/0/3', 'Float', -0.25, -0.25],
    ['/9999/0/4', 'Boolean', false, false],
    ['/9999/0/6', 'Time', '1367491215', 1367491215],
    ['/9999/0/7', 'Objlnk', '66:0', '66:0'],
    ['/9999/0/8', 'Corelnk', '</1>', '</1>'],
  ];

  it.each(singles)('text/plain %s %s %j', (path, type, value, expected) => {
    expect(decode(ContentFormat.TEXT, write(ContentFormat.TEXT, path, [entry(path, type, value)]), path)).toEqual([{ path, value: expected }]);
  });

  it.each([...singles, ['/9999/0/5', 'Opaque', 'AQID/w==', 'AQID/w==']] as const)('CBOR %s %s %j', (path, type, value, expected) => {
    expect(decode(ContentFormat.CBOR, write(ContentFormat.CBOR, path, [entry(path, type, value)]), path)).toEqual([{ path, value: expected }]);
  });

  it('opaque: raw bytes out, base64 back', () => {
    const bytes = write(ContentFormat.OPAQUE, '/5/0/0', [entry('/5/0/0', 'Opaque', 'AQID/w==')]);
    expect(bytes).toEqual(hex('010203FF'));
    expect(decode(ContentFormat.OPAQUE, bytes, '/5/0/0')).toEqual([{ path: '/5/0/0', value: 'AQID/w==' }]);
  });

  it('text: Opaque is written as base64 text; reading text Opaque gives base64 of the raw text (as EMQX)', () => {
    const bytes = write(ContentFormat.TEXT, '/9999/0/5', [entry('/9999/0/5', 'Opaque', 'AQI=')]);
    expect(bytes.toString()).toBe('AQI=');
    expect(decode(ContentFormat.TEXT, bytes, '/9999/0/5')).toEqual([{ path: '/9999/0/5', value: Buffer.from('AQI=').toString('base64') }]);
  });

  it('text encodings: decimal numbers, Boolean "1"/"0", Objlnk "oid:iid"', () => {
    const text = (type: ResourceType, value: unknown): string => write(0, '/9999/0/1', [entry('/9999/0/1', type, value)]).toString();
    expect(text('Integer', '007')).toBe('7');
    expect(text('Float', '2.50')).toBe('2.5');
    expect(text('Boolean', true)).toBe('1');
    expect(text('Boolean', 'false')).toBe('0');
    expect(text('Objlnk', '66:1')).toBe('66:1');
    expect(text('Time', 1)).toBe('1');
  });
});

describe('LwM2M JSON (11543)', () => {
  it('decodes bn + n, multiple resources, bv/ov/sv and ignores t as a value', () => {
    const payload = JSON.stringify({
      bn: '/3/0/',
      bt: 1367491215,
      e: [
        { n: '0', sv: 'Open Mobile Alliance' },
        { n: '6/0', v: 1 },
        { n: '6/1', v: 5 },
        { n: '9', v: 100, t: -5 },
        { n: '22/0', ov: '66:0' },
        { n: '99', bv: true },
        { n: '98', t: 3 },
      ],
    });
    expect(decode(ContentFormat.LWM2M_JSON, payload, '/3/0')).toEqual([
      { path: '/3/0/0', value: 'Open Mobile Alliance' },
      { path: '/3/0/6/0', value: 1 },
      { path: '/3/0/6/1', value: 5 },
      { path: '/3/0/9', value: 100 },
      { path: '/3/0/22/0', value: '66:0' },
      { path: '/3/0/99', value: true },
      { path: '/3/0/98', value: null },
    ]);
  });

  it('uses bn when n is missing, a root bn with full names, and reqPath when bn is missing', () => {
    expect(decode(11543, '{"bn":"/3/0/9","e":[{"v":42}]}', '/3/0/9')).toEqual([{ path: '/3/0/9', value: 42 }]);
    expect(decode(11543, '{"bn":"/","e":[{"n":"66/0/0","sv":"a"},{"n":"66/1/0","sv":"b"}]}', '/66')).toEqual([
      { path: '66/0/0', value: 'a' },
      { path: '66/1/0', value: 'b' },
    ]);
    expect(decode(11543, '{"e":[{"n":"1","sv":"x"},{"n":"/3/0/2","sv":"y"}]}', '/3/0')).toEqual([
      { path: '/3/0/1', value: 'x' },
      { path: '/3/0/2', value: 'y' },
    ]);
  });

  it('encodes bn = basePath/ and relative n; Opaque as base64 in sv', () => {
    const bytes = write(ContentFormat.LWM2M_JSON, '/3/0', [entry('/3/0/13', 'Time', 5), entry('/3/0/6/0', 'Integer', '1'), entry('/3/0/99', 'Opaque', 'AQI=')]);
    expect(JSON.parse(bytes.toString())).toEqual({
      bn: '/3/0/',
      e: [
        { n: '13', v: 5 },
        { n: '6/0', v: 1 },
        { n: '99', sv: 'AQI=' },
      ],
    });
    expect(JSON.parse(write(11543, '/3/0/14', [entry('/3/0/14', 'String', '+01')]).toString())).toEqual({ bn: '/3/0/14', e: [{ sv: '+01' }] });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['not an object', '[]', /not an object/],
    ['e missing', '{"bn":"/3/0/"}', /"e" must be an array/],
    ['bn not a string', '{"bn":3,"e":[]}', /"bn" must be a string/],
    ['v not a number', '{"bn":"/3/0/","e":[{"n":"9","v":"1"}]}', /"v" must be a number/],
    ['bad name', '{"bn":"/3/0/","e":[{"n":"x","v":1}]}', /not an LwM2M path/],
    ['name above resource level', '{"bn":"/3","e":[{"v":1}]}', /does not name a resource/],
  ])('rejects %s', (_name, payload, reason) => {
    const err = errorOf(() => decode(ContentFormat.LWM2M_JSON, payload, '/3/0'));
    expect(err.code).toBe('GW_ERR_CONTENT');
    expect(err.message).toMatch(reason);
  });

  it('refuses to write integers JSON cannot carry exactly', () => {
    expect(errorOf(() => write(11543, '/3/0/9', [entry('/3/0/9', 'Integer', '9007199254740993')])).message).toMatch(/beyond 2\^53/);
  });
});

describe('SenML JSON (110)', () => {
  it('inherits bn across records until the next bn (LwM2M 1.1 TS §7.4.7 object-link example)', () => {
    const payload = JSON.stringify([
      { bn: '/65/0/0/', n: '0', vlo: '66:0' },
      { n: '1', vlo: '66:1' },
      { bn: '/65/0/', n: '1', vs: '8613800755500' },
      { n: '2', v: 1 },
      { bn: '/66/0/', n: '0', vs: 'myService1' },
      { n: '2', vlo: '67:0' },
    ]);
    expect(decode(ContentFormat.SENML_JSON, payload, '/65')).toEqual([
      { path: '65/0/0/0', value: '66:0' },
      { path: '65/0/0/1', value: '66:1' },
      { path: '65/0/1', value: '8613800755500' },
      { path: '65/0/2', value: 1 },
      { path: '66/0/0', value: 'myService1' },
      { path: '66/0/2', value: '67:0' },
    ]);
  });

  it('reads vb, vd (base64url -> base64), records without n (name = bn) and without value (null)', () => {
    const payload = JSON.stringify([{ bn: '/9999/0/4', vb: false }, { bn: '/9999/0/', n: '5', vd: '_-8' }, { n: '0' }, { n: '3', v: 2.5, bt: 10, t: 1 }]);
    expect(decode(110, payload, '/9999/0')).toEqual([
      { path: '/9999/0/4', value: false },
      { path: '/9999/0/5', value: '/+8=' },
      { path: '/9999/0/0', value: null },
      { path: '/9999/0/3', value: 2.5 },
    ]);
  });

  it('names without any bn are relative to the request path', () => {
    expect(decode(110, '[{"n":"9","v":80},{"n":"/3/0/10","v":15},{"v":1}]', '/3/0/9')).toEqual([
      { path: '/3/0/9/9', value: 80 },
      { path: '/3/0/10', value: 15 },
      { path: '/3/0/9', value: 1 },
    ]);
  });

  it('encodes bn = basePath/ on the first record, n relative, vd as base64url', () => {
    const bytes = write(110, '/3/0', [entry('/3/0/13', 'Time', '1367491215'), entry('/3/0/14', 'String', '+02:00'), entry('/3/0/6/0', 'Integer', 1)]);
    expect(bytes.toString()).toBe('[{"bn":"/3/0/","n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"6/0","v":1}]');
    expect(write(110, '/3/0/99', [entry('/3/0/99', 'Opaque', '/+8=')]).toString()).toBe('[{"bn":"/3/0/99","vd":"_-8"}]');
    expect(write(110, '/3/0/22/1', [entry('/3/0/22/1', 'Objlnk', '66:1')]).toString()).toBe('[{"bn":"/3/0/22/1","vlo":"66:1"}]');
    expect(write(110, '/1/0/6', [entry('/1/0/6', 'Boolean', 1)]).toString()).toBe('[{"bn":"/1/0/6","vb":true}]');
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['not an array', '{"bn":"/3/0/"}', /not an array/],
    ['record not an object', '[1]', /record 0 is not an object/],
    ['vs not a string', '[{"bn":"/3/0/1","vs":1}]', /"vs" must be a string/],
    ['bad vd', '[{"bn":"/3/0/1","vd":"@@"}]', /"vd" is not base64url/],
    ['bn not a string', '[{"bn":1}]', /"bn" must be a string/],
    ['name beyond 65535', '[{"bn":"/3/0/70000","v":1}]', /not an LwM2M path/],
  ])('rejects %s', (_name, payload, reason) => {
    const err = errorOf(() => decode(110, payload, '/3/0'));
    expect(err.code).toBe('GW_ERR_CONTENT');
    expect(err.message).toMatch(reason);
  });
});

describe('SenML CBOR (112)', () => {
  it('encodes integer labels, vd as a byte string and Float as a double even when integral', () => {
    expect(write(112, '/3/0/9', [entry('/3/0/9', 'Integer', 100)])).toEqual(Buffer.concat([hex('81 A2 21 66'), Buffer.from('/3/0/9'), hex('02 18 64')]));
    expect(write(112, '/9999/0/3', [entry('/9999/0/3', 'Float', '3')])).toEqual(
      Buffer.concat([hex('81 A2 21 69'), Buffer.from('/9999/0/3'), hex('02 FB 4008000000000000')]),
    );
    const two = write(112, '/9999/0', [entry('/9999/0/5', 'Opaque', 'AQI='), entry('/9999/0/7', 'Objlnk', '1:2')]);
    expect(two).toEqual(
      Buffer.concat([
        hex('82 A3 21 68'),
        Buffer.from('/9999/0/'),
        hex('00 61 35 08 42 0102'),
        hex('A2 00 61 37 63'),
        Buffer.from('vlo'),
        hex('63'),
        Buffer.from('1:2'),
      ]),
    );
  });

  it('decodes records built by another encoder, with bn inheritance and every value label', () => {
    const payload = cbor([
      new Map<number | string, unknown>([
        [-2, '/9999/0/'],
        [-3, 1000],
        [0, '0'],
        [3, 'text'],
      ]),
      new Map<number | string, unknown>([
        [0, '1'],
        [2, -7],
      ]),
      new Map<number | string, unknown>([
        [0, '3'],
        [2, 0.5],
      ]),
      new Map<number | string, unknown>([
        [0, '4'],
        [4, true],
      ]),
      new Map<number | string, unknown>([
        [0, '5'],
        [8, Buffer.from([0xff, 0xfe])],
      ]),
      new Map<number | string, unknown>([
        [0, '7'],
        ['vlo', '66:2'],
      ]),
      new Map<number | string, unknown>([
        [-2, '/3/0/'],
        [0, '13'],
        [2, 1367491215],
      ]),
    ]);
    expect(decode(112, payload, '/9999/0')).toEqual([
      { path: '/9999/0/0', value: 'text' },
      { path: '/9999/0/1', value: -7 },
      { path: '/9999/0/3', value: 0.5 },
      { path: '/9999/0/4', value: true },
      { path: '/9999/0/5', value: '//4=' },
      { path: '/9999/0/7', value: '66:2' },
      { path: '/3/0/13', value: 1367491215 },
    ]);
  });

  it.each([
    ['malformed CBOR', hex('9F 01'), /malformed CBOR/],
    ['trailing bytes', hex('80 00'), /malformed CBOR/],
    ['not an array', hex('A0'), /not an array/],
    ['record not a map', hex('81 01'), /record 0 is not a map/],
    [
      'v not a number',
      cbor([
        new Map<number, unknown>([
          [-2, '/3/0/9'],
          [2, 'x'],
        ]),
      ]),
      /label 2 must be a number/,
    ],
    ['bn not text', cbor([new Map<number, unknown>([[-2, 5]])]), /label -2 must be a text string/],
    [
      'integer beyond 2^53',
      cbor([
        new Map<number, unknown>([
          [-2, '/3/0/9'],
          [2, 2n ** 60n],
        ]),
      ]),
      /beyond 2\^53/,
    ],
    ['empty payload', Buffer.alloc(0), /empty payload/],
  ])('rejects %s', (_name, payload, reason) => {
    const err = errorOf(() => decode(112, payload, '/3/0'));
    expect(err.code).toBe('GW_ERR_CONTENT');
    expect(err.message).toMatch(reason);
  });
});

describe('CBOR (60)', () => {
  it('encodes one value: smallest int, double for Float, byte string for Opaque', () => {
    expect(write(60, '/3/0/9', [entry('/3/0/9', 'Integer', 100)])).toEqual(hex('18 64'));
    expect(write(60, '/9999/0/3', [entry('/9999/0/3', 'Float', 2)])).toEqual(hex('FB 4000000000000000'));
    expect(write(60, '/9999/0/5', [entry('/9999/0/5', 'Opaque', 'AQI=')])).toEqual(hex('42 0102'));
    expect(write(60, '/9999/0/4', [entry('/9999/0/4', 'Boolean', 'true')])).toEqual(hex('F5'));
    expect(write(60, '/9999/0/1', [entry('/9999/0/1', 'Integer', '-9223372036854775808')])).toEqual(hex('3B 7FFFFFFFFFFFFFFF'));
  });

  it('decodes scalars; tag 1 times become seconds', () => {
    expect(decode(60, hex('C1 1A 5182428F'), '/3/0/13')).toEqual([{ path: '/3/0/13', value: 1367491215 }]);
    expect(decode(60, hex('F4'), '/1/0/6')).toEqual([{ path: '/1/0/6', value: false }]);
    expect(decode(60, hex('F6'), '/1/0/6')).toEqual([{ path: '/1/0/6', value: null }]);
    expect(decode(60, hex('FA 3FC00000'), '/9999/0/3')).toEqual([{ path: '/9999/0/3', value: 1.5 }]);
  });

  it('rejects containers, object paths and unsafe integers', () => {
    expect(errorOf(() => decode(60, hex('80'), '/3/0/9')).message).toMatch(/not a single scalar value/);
    expect(errorOf(() => decode(60, hex('18 64'), '/3/0')).message).toMatch(/only a single resource value/);
    expect(errorOf(() => decode(60, hex('1B FFFFFFFFFFFFFFFF'), '/3/0/9')).message).toMatch(/beyond 2\^53/);
  });
});

describe('contentFormatName', () => {
  it('names every LwM2M format and falls back for unknown numbers', () => {
    expect(contentFormatName(11542)).toBe('application/vnd.oma.lwm2m+tlv');
    expect(contentFormatName(110)).toBe('application/senml+json');
    expect(contentFormatName(0)).toBe('text/plain');
    expect(contentFormatName(undefined)).toBe('no content-format');
    expect(contentFormatName(9999)).toBe('content-format 9999');
  });
});
