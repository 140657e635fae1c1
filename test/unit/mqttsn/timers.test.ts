import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel, type WheelTarget } from '../../../src/mqttsn/timers.js';

interface Item extends WheelTarget {
  readonly name: string;
  deadline: number | undefined;
}

describe('TimerWheel (one timer for all sessions)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  function wheel(fired: string[]): TimerWheel<Item> {
    return new TimerWheel<Item>(50, (item, now) => {
      if (item.deadline !== undefined && item.deadline > now) return item.deadline; // lazily moved later
      fired.push(item.name);
      return undefined;
    });
  }

  it('fires targets at their deadline with one interval', () => {
    const fired: string[] = [];
    const w = wheel(fired);
    w.start();
    const a: Item = { name: 'a', deadline: Date.now() + 120, wheelSlot: undefined };
    const b: Item = { name: 'b', deadline: Date.now() + 400, wheelSlot: undefined };
    w.schedule(a, a.deadline as number);
    w.schedule(b, b.deadline as number);
    expect(w.size).toBe(2);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(['a', 'b']);
    expect(w.size).toBe(0);
    w.stop();
  });

  it('is lazy: a later deadline keeps the early slot and is rescheduled when it fires', () => {
    const fired: string[] = [];
    const w = wheel(fired);
    w.start();
    const a: Item = { name: 'a', deadline: Date.now() + 100, wheelSlot: undefined };
    w.schedule(a, a.deadline as number);
    a.deadline = Date.now() + 500; // keepalive refreshed
    w.schedule(a, a.deadline);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual([]);
    expect(w.size).toBe(1);
    vi.advanceTimersByTime(350);
    expect(fired).toEqual(['a']);
    w.stop();
  });

  it('moves a target to an earlier deadline and cancels', () => {
    const fired: string[] = [];
    const w = wheel(fired);
    w.start();
    const a: Item = { name: 'a', deadline: Date.now() + 1000, wheelSlot: undefined };
    w.schedule(a, a.deadline as number);
    a.deadline = Date.now() + 100;
    w.schedule(a, a.deadline);
    vi.advanceTimersByTime(150);
    expect(fired).toEqual(['a']);
    const b: Item = { name: 'b', deadline: Date.now() + 100, wheelSlot: undefined };
    w.schedule(b, b.deadline as number);
    w.cancel(b);
    vi.advanceTimersByTime(500);
    expect(fired).toEqual(['a']);
    expect(w.size).toBe(0);
    w.stop();
  });

  it('handles many targets in one slot and a clock jump', () => {
    const fired: string[] = [];
    const w = wheel(fired);
    w.start();
    for (let i = 0; i < 1000; i += 1) {
      const item: Item = { name: `n${i}`, deadline: Date.now() + 60_000, wheelSlot: undefined };
      w.schedule(item, item.deadline as number);
    }
    vi.advanceTimersByTime(61_000);
    expect(fired.length).toBe(1000);
    w.stop();
  });
});
