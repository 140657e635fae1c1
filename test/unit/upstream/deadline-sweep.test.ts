import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSweep } from '../../../src/upstream/deadline-sweep.js';

describe('DeadlineSweep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each deadline once, between timeout and timeout + tick, in order', () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep(1000); // tick 250 ms
    const fired: string[] = [];
    sweep.add(() => fired.push('a'));
    vi.advanceTimersByTime(300);
    sweep.add(() => fired.push('b'));
    vi.advanceTimersByTime(699);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(251);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(['a', 'b']);
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual(['a', 'b']);
    expect(sweep.size).toBe(0);
  });

  it('a cancelled deadline never fires and is forgotten at once', () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep(100);
    const fired: number[] = [];
    const first = sweep.add(() => fired.push(1));
    sweep.add(() => fired.push(2));
    first.cancel();
    expect(sweep.size).toBe(1);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual([2]);
  });

  it('uses one timer for many deadlines and none when empty', () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep(1000);
    for (let i = 0; i < 1000; i += 1) sweep.add(() => undefined);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1500);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clear() drops everything without firing', () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep(100);
    const fired: number[] = [];
    sweep.add(() => fired.push(1));
    sweep.clear();
    vi.advanceTimersByTime(500);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
