import { describe, expect, it } from 'vitest';
import { MsgIdAllocator } from '../../../src/mqttsn/msg-id.js';

describe('MsgIdAllocator', () => {
  it('counts from 1, wraps after 65535 to 1 (0 is never used)', () => {
    const a = new MsgIdAllocator();
    expect(a.next()).toBe(1);
    expect(a.next()).toBe(2);
    for (let i = 3; i <= 0xffff; i += 1) a.next();
    expect(a.next()).toBe(1);
  });

  it('skips ids still in use and reports exhaustion', () => {
    const a = new MsgIdAllocator();
    const used = new Set([1, 2]);
    expect(a.next((id) => used.has(id))).toBe(3);
    expect(a.next(() => true)).toBeUndefined();
    a.reset();
    expect(a.next()).toBe(1);
  });
});
