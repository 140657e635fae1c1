import { describe, expect, it } from 'vitest';
import { ByteBudgetMap } from '../../../src/lwm2m/coap/byte-budget-map.js';
import { DEDUP_ENTRY_OVERHEAD, DedupCache } from '../../../src/lwm2m/coap/dedup-cache.js';
import { codeName } from '../../../src/lwm2m/coap/codes.js';
import { decodeBlock, decodeMessage, encodeBlock, encodeMessage, readUint, uintOption } from '../../../src/lwm2m/coap/message.js';

describe('CoAP message helpers', () => {
  it('round-trips a request with repeated options in order', () => {
    const buf = encodeMessage({
      type: 'CON',
      code: '0.02',
      messageId: 0x1234,
      token: Buffer.from([1, 2, 3]),
      options: [
        { number: 11, value: Buffer.from('rd') },
        { number: 15, value: Buffer.from('ep=a') },
        { number: 15, value: Buffer.from('lt=5') },
        { number: 12, value: uintOption(40) },
      ],
      payload: Buffer.from('</1/0>'),
    });
    const m = decodeMessage(buf);
    expect(m).toMatchObject({ type: 'CON', code: '0.02', messageId: 0x1234, token: Buffer.from([1, 2, 3]), payload: Buffer.from('</1/0>') });
    expect(m.options.map((o) => o.number)).toEqual([11, 12, 15, 15]);
    expect(m.options.filter((o) => o.number === 15).map((o) => o.value.toString())).toEqual(['ep=a', 'lt=5']);
  });

  it('rejects format errors with GW_ERR_CODEC (RFC 7252 §3)', () => {
    // ... and an Empty message with a token, an option or a payload (RFC 7252 §4.1).
    for (const bad of [
      [0x40],
      [0x00, 1, 0, 1],
      [0x49, 1, 0, 1],
      [0x44, 1, 0, 1, 9],
      [0x40, 1, 0, 1, 0xf0],
      [0x41, 0, 0, 1, 7],
      [0x60, 0, 0, 1, 0xff, 1],
      [0x70, 0, 0, 1, 0xb1, 0x61],
    ]) {
      expect(() => decodeMessage(Buffer.from(bad))).toThrow(expect.objectContaining({ code: 'GW_ERR_CODEC' }));
    }
  });

  it('encodes uint options minimally and block values (RFC 7959 §2.2)', () => {
    expect(uintOption(0).length).toBe(0);
    expect(uintOption(11542)).toEqual(Buffer.from([0x2d, 0x16]));
    expect(readUint(Buffer.from([0x2d, 0x16]))).toBe(11542);
    expect(decodeBlock(encodeBlock({ num: 5, more: true, szx: 6 }))).toEqual({ num: 5, more: true, szx: 6 });
  });

  it('names codes as EMQX', () => {
    expect(codeName('4.15')).toBe('unsupported_content_format');
    expect(codeName('2.31')).toBe('continue');
  });

  it('dedup cache remembers replies until EXCHANGE_LIFETIME, swept in order', () => {
    const c = new DedupCache(1000, 1 << 20);
    c.remember('a', Buffer.from([1]), 0);
    c.remember('b', undefined, 500);
    expect(c.lookup('a', 999)?.reply).toEqual(Buffer.from([1]));
    expect(c.lookup('b', 999)).toEqual({ reply: undefined });
    expect(c.lookup('a', 1000)).toBeUndefined();
    c.sweep(1200);
    expect(c.size).toBe(1);
    c.sweep(1500);
    expect(c.size).toBe(0);
    expect(c.bytes).toBe(0);
  });

  it('dedup cache is bounded in bytes: beyond the budget the oldest entries are forgotten', () => {
    const entry = DEDUP_ENTRY_OVERHEAD + 1 + 4;
    const c = new DedupCache(1000, 3 * entry);
    for (const k of ['a', 'b', 'c', 'd']) c.remember(k, Buffer.from([0x60, 0, 0, 1]), 0);
    expect(c.size).toBe(3);
    expect(c.bytes).toBeLessThanOrEqual(3 * entry);
    expect(c.evictions).toBe(1);
    expect(c.lookup('a', 1)).toBeUndefined();
    expect(c.lookup('d', 1)?.reply).toEqual(Buffer.from([0x60, 0, 0, 1]));
  });

  it('byte-budget map: replaced and deleted entries stay counted (small) until they leave the queue', () => {
    const m = new ByteBudgetMap<number>(1000);
    for (let i = 0; i < 100; i += 1) m.set('same', i, i, 500);
    expect(m.size).toBe(1);
    expect(m.get('same', 0)).toBe(99);
    expect(m.bytes).toBeLessThanOrEqual(1000);
    m.delete('same');
    expect(m.get('same', 0)).toBeUndefined();
    m.sweep(1000);
    expect(m.bytes).toBe(0);
  });
});

describe('CoAP decoder (RFC 7252 §3.1 option forms)', () => {
  it('round-trips 8-bit and 16-bit extended deltas and lengths', () => {
    const long = Buffer.alloc(300, 0x61);
    const mid = Buffer.alloc(20, 0x62);
    const buf = encodeMessage({
      type: 'NON',
      code: '2.05',
      messageId: 0xfffe,
      token: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
      options: [
        { number: 6, value: Buffer.from([7]) },
        { number: 23, value: mid },
        { number: 300, value: long },
        { number: 2049, value: Buffer.alloc(0) },
      ],
      payload: Buffer.from('hello'),
    });
    const m = decodeMessage(buf);
    expect(m).toMatchObject({ type: 'NON', code: '2.05', messageId: 0xfffe, payload: Buffer.from('hello') });
    expect(m.token).toEqual(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(m.options.map((o) => [o.number, o.value.length])).toEqual([
      [6, 1],
      [23, 20],
      [300, 300],
      [2049, 0],
    ]);
    expect(m.options[2]?.value).toEqual(long);
  });

  it('names every code and type from the header', () => {
    expect(decodeMessage(Buffer.from([0x60, 0x00, 0, 1])).code).toBe('0.00');
    expect(decodeMessage(Buffer.from([0x70, 0x00, 0, 1])).type).toBe('RST');
    expect(decodeMessage(Buffer.from([0x50, 0xa0, 0, 1])).code).toBe('5.00');
    expect(decodeMessage(Buffer.from([0x40, 0x01, 0, 1])).type).toBe('CON');
  });

  it('rejects a payload marker without payload and truncated options', () => {
    for (const bad of [
      [0x40, 1, 0, 1, 0xff],
      [0x40, 1, 0, 1, 0xd1],
      [0x40, 1, 0, 1, 0xe1, 0],
      [0x40, 1, 0, 1, 0x13, 0x61],
      [0x40, 1, 0, 1, 0x1f],
    ]) {
      expect(() => decodeMessage(Buffer.from(bad))).toThrow(expect.objectContaining({ code: 'GW_ERR_CODEC' }));
    }
  });
});
