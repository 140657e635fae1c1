import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';
import { parseByteSize } from '../../../src/config/byte-size.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1m30s500ms', 90_500],
    ['1.5s', 1500],
    [' 15s ', 15_000],
    ['0s', 0],
    ['30', 30_000],
    ['0.2', 200],
    [30, 30_000],
    [0.25, 250],
    [0, 0],
  ] as const)('%j -> %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each([-1, '-5s', '-1'])('rejects negative %j', (input) => {
    expect(parseDuration(input)).toEqual({ ok: false, reason: 'must not be negative' });
  });

  it.each(['', 'abc', '10x', '5 s', 's', '1h 30m', '1.s', 'NaN', Number.NaN, Number.POSITIVE_INFINITY, true, null, {}, [30]])('rejects %j', (input) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/duration/);
  });

  it.each(['30m1h', '1s1s', '500ms1s'])('rejects units out of order or repeated: %j', (input) => {
    expect(parseDuration(input)).toEqual({ ok: false, reason: expect.stringMatching(/largest first/) });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [86_400_000, '1d'],
    [5_400_000, '1h30m'],
    [1500, '1s500ms'],
  ])('%d ms -> %s and back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });
});

describe('parseByteSize', () => {
  it.each([
    [4096, 4096],
    ['4MB', 4 * 1024 * 1024],
    ['64KB', 65_536],
    ['64kb', 65_536],
    ['1GiB', 1024 ** 3],
    ['512B', 512],
    ['2048', 2048],
  ] as const)('%j -> %d bytes', (input, bytes) => {
    expect(parseByteSize(input)).toEqual({ ok: true, bytes });
  });

  it.each([-1, '-4MB', '4XB', '1.5MB', 'big', 1.5, null])('rejects %j', (input) => {
    expect(parseByteSize(input).ok).toBe(false);
  });
});
