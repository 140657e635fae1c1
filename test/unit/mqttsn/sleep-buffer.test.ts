import { describe, expect, it } from 'vitest';
import { SleepBuffer } from '../../../src/mqttsn/sleep-buffer.js';

describe('SleepBuffer', () => {
  it('is FIFO', () => {
    const b = new SleepBuffer<number>(10);
    b.push(1);
    b.push(2);
    expect(b.peek()).toBe(1);
    expect(b.shift()).toBe(1);
    expect(b.shift()).toBe(2);
    expect(b.shift()).toBeUndefined();
    expect(b.size).toBe(0);
  });

  it('drops the oldest on overflow and returns it', () => {
    const b = new SleepBuffer<string>(2);
    expect(b.push('a')).toBeUndefined();
    expect(b.push('b')).toBeUndefined();
    expect(b.push('c')).toBe('a');
    expect([...b]).toEqual(['b', 'c']);
  });

  it('unshift puts a message back at the front', () => {
    const b = new SleepBuffer<string>(5);
    b.push('x');
    b.push('y');
    b.shift();
    b.unshift('again');
    expect([...b]).toEqual(['again', 'y']);
    const empty = new SleepBuffer<string>(5);
    empty.unshift('z');
    expect(empty.shift()).toBe('z');
  });

  it('keeps order across many pushes and shifts (compaction)', () => {
    const b = new SleepBuffer<number>(1000);
    const out: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      b.push(i);
      if (i % 3 === 0) out.push(b.shift() as number);
    }
    while (b.size > 0) out.push(b.shift() as number);
    expect(out).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('capacity 0 still holds one message', () => {
    const b = new SleepBuffer<number>(0);
    b.push(1);
    expect(b.push(2)).toBe(1);
    expect(b.size).toBe(1);
  });
});
