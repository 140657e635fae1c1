import { describe, expect, it } from 'vitest';
import { likeMatch, paginate } from '../../../src/http/paging.js';
import { PredefinedTopics } from '../../../src/mqttsn/topic-registry.js';

describe('paginate (EMQX paging)', () => {
  const items = Array.from({ length: 25 }, (_, i) => i);
  const even = (n: number): boolean => n % 2 === 0;

  it('pages the matches, counts the total, says whether more follow', () => {
    expect(paginate(items, even, (n) => n * 10, 1, 5, true)).toEqual({ data: [0, 20, 40, 60, 80], meta: { page: 1, limit: 5, hasnext: true, count: 13 } });
    expect(paginate(items, even, (n) => n, 3, 5, true)).toEqual({ data: [20, 22, 24], meta: { page: 3, limit: 5, hasnext: false, count: 13 } });
    expect(paginate(items, even, (n) => n, 4, 5, true)).toEqual({ data: [], meta: { page: 4, limit: 5, hasnext: false, count: 13 } });
  });

  it('without a count it stops at the first item past the page', () => {
    let built = 0;
    const page = paginate(
      items,
      () => true,
      (n) => ((built += 1), n),
      2,
      10,
      false,
    );
    expect(page).toEqual({ data: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], meta: { page: 2, limit: 10, hasnext: true } });
    expect(built).toBe(10); // views are built for the page only
  });

  it('like filters match substrings; no filter matches everything', () => {
    expect(likeMatch('sensor-42', '42')).toBe(true);
    expect(likeMatch('sensor-42', '43')).toBe(false);
    expect(likeMatch(undefined, 'x')).toBe(false);
    expect(likeMatch(undefined, undefined)).toBe(true);
  });
});

describe('PredefinedTopics at run time', () => {
  it('adds, replaces and removes ids; a name shared by two ids still resolves after one goes', () => {
    const topics = new PredefinedTopics([{ id: 1, topic: 'a' }]);
    topics.set(2, 'b');
    topics.set(3, 'b');
    expect(topics.list()).toEqual([
      { id: 1, topic: 'a' },
      { id: 2, topic: 'b' },
      { id: 3, topic: 'b' },
    ]);
    expect(topics.idOf('b')).toBe(2);
    expect(topics.delete(2)).toBe(true);
    expect(topics.idOf('b')).toBe(3);
    expect(topics.nameOf(2)).toBeUndefined();
    topics.set(1, 'c');
    expect(topics.nameOf(1)).toBe('c');
    expect(topics.idOf('a')).toBeUndefined();
    expect(topics.delete(99)).toBe(false);
  });
});
