import { describe, expect, it } from 'vitest';
import { PredefinedTopics, TopicRegistry } from '../../../src/mqttsn/topic-registry.js';

describe('TopicRegistry', () => {
  it('assigns ids from 1025, stable per name, and looks up both ways', () => {
    const r = new TopicRegistry();
    expect(r.register('a', true)).toBe(1025);
    expect(r.register('b', true)).toBe(1026);
    expect(r.register('a', true)).toBe(1025);
    expect(r.idOf('b')).toBe(1026);
    expect(r.nameOf(1025)).toBe('a');
    expect(r.nameOf(1)).toBeUndefined();
    expect(r.size).toBe(2);
  });

  it('tracks whether the client knows an id (gateway REGISTER, PUBACK 0x02)', () => {
    const r = new TopicRegistry();
    const id = r.register('down/x', false) as number;
    expect(r.isKnown(id)).toBe(false);
    r.markKnown(id);
    expect(r.isKnown(id)).toBe(true);
    r.markUnknown(id);
    expect(r.isKnown(id)).toBe(false);
    expect(r.register('down/x', true)).toBe(id);
    expect(r.isKnown(id)).toBe(true);
  });

  it('refuses to assign beyond 0xFFFE (0xFFFF is reserved)', () => {
    const r = new TopicRegistry();
    let last: number | undefined;
    for (let i = 0; i < 0xfffe - 1025 + 1; i += 1) last = r.register(`t${i}`, true);
    expect(last).toBe(0xfffe);
    expect(r.register('one-more', true)).toBeUndefined();
    r.clear();
    expect(r.register('fresh', true)).toBe(1025);
  });

  it('holds at most its byte budget of names (1 MiB by default), so a client cannot grow it without bound', () => {
    expect(new TopicRegistry().budget).toBe(1024 * 1024);
    const r = new TopicRegistry(10);
    expect(r.register('abcd', true)).toBe(1025);
    expect(r.register('efgh', true)).toBe(1026);
    expect(r.register('ijk', true)).toBeUndefined(); // 4 + 4 + 3 > 10
    expect(r.register('abcd', true)).toBe(1025); // known names still resolve
    expect(r.register('ij', true)).toBe(1027);
    r.clear();
    expect(r.register('0123456789', true)).toBe(1025);
  });
});

describe('PredefinedTopics', () => {
  it('maps ids and names from config', () => {
    const p = new PredefinedTopics([
      { id: 1, topic: 'a/b' },
      { id: 1024, topic: 'c' },
    ]);
    expect(p.nameOf(1)).toBe('a/b');
    expect(p.idOf('c')).toBe(1024);
    expect(p.idOf('zz')).toBeUndefined();
  });
});
