import { describe, expect, it } from 'vitest';
import { Block1Assembler } from '../../../src/lwm2m/coap/block1-assembly.js';
import { encodeBlock, uintOption, type CoapMessage } from '../../../src/lwm2m/coap/message.js';

function post(block: { num: number; more: boolean; szx: number } | undefined, payload: Buffer, extra: { number: number; value: Buffer }[] = []): CoapMessage {
  const options = [{ number: 11, value: Buffer.from('rd') }, ...extra];
  if (block !== undefined) options.push({ number: 27, value: encodeBlock(block) });
  return { type: 'CON', code: '0.02', messageId: 1, token: Buffer.alloc(0), options, payload };
}

describe('Block1 reassembly (RFC 7959 §2.3)', () => {
  const make = (): Block1Assembler => new Block1Assembler({ maxBody: 100, budgetBytes: 10_000, lifetimeMs: 1000 });

  it('a request without Block1, or a single block (NUM 0, no More), is whole as is', () => {
    const a = make();
    expect(a.step(post(undefined, Buffer.from('x')), 'p', 0)).toMatchObject({ kind: 'whole', block1: undefined });
    const single = a.step(post({ num: 0, more: false, szx: 0 }, Buffer.from('abc')), 'p', 0);
    expect(single.kind === 'whole' && single.request.payload.toString()).toBe('abc');
    expect(single.kind === 'whole' && single.request.options.some((o) => o.number === 27)).toBe(false);
  });

  it('joins blocks per peer and URI; the last answer carries the final Block1', () => {
    const a = make();
    expect(a.step(post({ num: 0, more: true, szx: 0 }, Buffer.alloc(16, 0x61)), 'p', 0)).toMatchObject({ kind: 'answer', code: '2.31' });
    // Another peer's body is separate.
    expect(a.step(post({ num: 1, more: false, szx: 0 }, Buffer.from('z')), 'q', 0)).toMatchObject({ kind: 'answer', code: '4.08' });
    const last = a.step(post({ num: 1, more: false, szx: 0 }, Buffer.from('end')), 'p', 0);
    expect(last.kind).toBe('whole');
    if (last.kind === 'whole') {
      expect(last.request.payload.toString()).toBe(`${'a'.repeat(16)}end`);
      expect(last.block1).toEqual(encodeBlock({ num: 1, more: false, szx: 0 }));
    }
    expect(a.size).toBe(0);
  });

  it('refuses a block of the wrong size, a change of SZX, a body above the cap, and a too-large Size1', () => {
    const a = make();
    expect(a.step(post({ num: 0, more: true, szx: 0 }, Buffer.alloc(15)), 'p', 0)).toMatchObject({ code: '4.00' });
    a.step(post({ num: 0, more: true, szx: 1 }, Buffer.alloc(32)), 'p', 0);
    expect(a.step(post({ num: 2, more: true, szx: 0 }, Buffer.alloc(16)), 'p', 0)).toMatchObject({ code: '4.08' });
    for (let n = 0; n < 3; n += 1) a.step(post({ num: n, more: true, szx: 1 }, Buffer.alloc(32)), 'p', 0);
    expect(a.step(post({ num: 3, more: true, szx: 1 }, Buffer.alloc(32)), 'p', 0)).toMatchObject({
      code: '4.13',
      options: [{ number: 60, value: uintOption(100) }],
    });
    expect(a.step(post({ num: 0, more: true, szx: 1 }, Buffer.alloc(32), [{ number: 60, value: uintOption(101) }]), 'p', 0)).toMatchObject({ code: '4.13' });
    expect(a.size).toBe(0);
  });

  it('partial bodies expire after the lifetime and stay within the byte budget', () => {
    const a = new Block1Assembler({ maxBody: 1000, budgetBytes: 2000, lifetimeMs: 1000 });
    for (let i = 0; i < 50; i += 1) a.step(post({ num: 0, more: true, szx: 2 }, Buffer.alloc(64)), `peer${i}`, 0);
    expect(a.size).toBeLessThan(50);
    expect(a.size).toBeGreaterThan(0);
    a.sweep(1000);
    expect(a.size).toBe(0);
  });
});
