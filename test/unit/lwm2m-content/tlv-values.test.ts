import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import {
  decodeBoolean,
  decodeFloat,
  decodeObjlnk,
  decodeSignedInt,
  decodeUnsignedInt,
  encodeBoolean,
  encodeFloat,
  encodeObjlnk,
  encodeSignedInt,
  encodeUnsignedInt,
} from '../../../src/lwm2m/content/tlv-values.js';
import { hex } from './test-models.js';

describe("TLV Integer / Time: signed two's complement in 1/2/4/8 bytes", () => {
  it.each([
    [0n, '00'],
    [127n, '7F'],
    [128n, '0080'],
    [200n, '00C8'],
    [-1n, 'FF'],
    [-128n, '80'],
    [-129n, 'FF7F'],
    [32767n, '7FFF'],
    [32768n, '00008000'],
    [-32768n, '8000'],
    [70000n, '00011170'],
    [2n ** 31n - 1n, '7FFFFFFF'],
    [2n ** 31n, '0000000080000000'],
    [-(2n ** 31n), '80000000'],
    [-(2n ** 31n) - 1n, 'FFFFFFFF7FFFFFFF'],
    [2n ** 53n - 1n, '001FFFFFFFFFFFFF'],
    [2n ** 63n - 1n, '7FFFFFFFFFFFFFFF'],
    [-(2n ** 63n), '8000000000000000'],
  ])('%s -> %s (smallest signed width, never 3 bytes)', (value, bytes) => {
    expect(encodeSignedInt(value).toString('hex').toUpperCase()).toBe(bytes);
  });

  it.each([
    ['7F', 127],
    ['0080', 128],
    ['00C8', 200],
    ['C8', -56],
    ['FF7F', -129],
    ['00008000', 32768],
    ['0000000080000000', 2 ** 31],
    ['FFFFFFFF7FFFFFFF', -(2 ** 31) - 1],
    ['001FFFFFFFFFFFFF', 2 ** 53 - 1],
    ['FFE0000000000001', -(2 ** 53 - 1)],
  ])('decodes %s as %d', (bytes, value) => {
    expect(decodeSignedInt(hex(bytes), '/3/0/9')).toBe(value);
  });

  it('round-trips every width boundary', () => {
    for (const n of [
      0,
      1,
      -1,
      127,
      128,
      -128,
      -129,
      32767,
      32768,
      -32768,
      -32769,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31),
      -(2 ** 31) - 1,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
    ]) {
      const bytes = encodeSignedInt(BigInt(n));
      expect([1, 2, 4, 8]).toContain(bytes.length);
      expect(decodeSignedInt(bytes, 'x')).toBe(n);
    }
  });

  it('rejects 8-byte values beyond 2^53 and lengths other than 1/2/4/8', () => {
    expect(() => decodeSignedInt(hex('0020000000000000'), '/3/0/13')).toThrow(/beyond 2\^53/);
    expect(() => decodeSignedInt(hex('010000'), '/3/0/9')).toThrow(/must be 1, 2, 4 or 8 bytes, got 3/);
    expect(() => decodeSignedInt(Buffer.alloc(0), '/3/0/9')).toThrow(GatewayError);
    expect(() => encodeSignedInt(2n ** 63n)).toThrow(/64 bits/);
  });
});

describe('TLV Unsigned Integer', () => {
  it('uses the smallest unsigned width', () => {
    expect(encodeUnsignedInt(255n)).toEqual(hex('FF'));
    expect(encodeUnsignedInt(256n)).toEqual(hex('0100'));
    expect(encodeUnsignedInt(65536n)).toEqual(hex('00010000'));
    expect(encodeUnsignedInt(2n ** 32n)).toEqual(hex('0000000100000000'));
    expect(encodeUnsignedInt(2n ** 64n - 1n)).toEqual(hex('FFFFFFFFFFFFFFFF'));
    expect(() => encodeUnsignedInt(-1n)).toThrow(/negative/);
  });

  it('decodes unsigned and refuses unsafe 8-byte values', () => {
    expect(decodeUnsignedInt(hex('FF'), 'x')).toBe(255);
    expect(decodeUnsignedInt(hex('FFFFFFFF'), 'x')).toBe(4294967295);
    expect(decodeUnsignedInt(hex('001FFFFFFFFFFFFF'), 'x')).toBe(2 ** 53 - 1);
    expect(() => decodeUnsignedInt(hex('FFFFFFFFFFFFFFFF'), 'x')).toThrow(/beyond 2\^53/);
  });
});

describe('TLV Float, Boolean, Objlnk', () => {
  it('writes Float as an 8-byte double and reads 4 or 8 bytes', () => {
    expect(encodeFloat(1.5)).toEqual(hex('3FF8000000000000'));
    expect(encodeFloat(3)).toEqual(hex('4008000000000000'));
    expect(decodeFloat(hex('3FC00000'), 'x')).toBe(1.5);
    expect(decodeFloat(hex('C00921FB54442D18'), 'x')).toBe(-Math.PI);
    expect(() => decodeFloat(hex('0000'), '/9999/0/3')).toThrow(/4 or 8 bytes, got 2/);
  });

  it('Boolean is one byte 0 or 1', () => {
    expect(encodeBoolean(true)).toEqual(hex('01'));
    expect(decodeBoolean(hex('00'), 'x')).toBe(false);
    expect(decodeBoolean(hex('01'), 'x')).toBe(true);
    expect(() => decodeBoolean(hex('02'), 'x')).toThrow(/0 or 1/);
    expect(() => decodeBoolean(hex('0001'), 'x')).toThrow(/0 or 1/);
  });

  it('Objlnk is two unsigned 16-bit ids', () => {
    expect(encodeObjlnk(66, 1)).toEqual(hex('00420001'));
    expect(decodeObjlnk(hex('FFFFFFFF'), 'x')).toBe('65535:65535');
    expect(() => decodeObjlnk(hex('004200'), 'x')).toThrow(/4 bytes/);
  });
});
