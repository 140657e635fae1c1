import { describe, expect, it } from 'vitest';
import { keepaliveSupervisionMs, sleepSupervisionMs, wheelResolutionMs } from '../../../src/mqttsn/parameters.js';

describe('MQTT-SN supervision parameters', () => {
  it('sleep tolerance: +10 % above a minute, +50 % up to a minute (§6.14)', () => {
    expect(sleepSupervisionMs(120_000)).toBe(132_000);
    expect(sleepSupervisionMs(60_000)).toBe(90_000);
    expect(sleepSupervisionMs(10_000)).toBe(15_000);
  });

  it('keepalive supervision is keepalive x multiplier; 0 disables it', () => {
    expect(keepaliveSupervisionMs(60_000, 1.5)).toBe(90_000);
    expect(keepaliveSupervisionMs(0, 1.5)).toBe(0);
  });

  it('timer-wheel resolution is a quarter of the shortest timer, within 10 ms .. 1 s', () => {
    expect(wheelResolutionMs(200)).toBe(50);
    expect(wheelResolutionMs(10)).toBe(10);
    expect(wheelResolutionMs(30_000)).toBe(1000);
  });
});
