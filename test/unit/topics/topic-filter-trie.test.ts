import { describe, expect, it } from 'vitest';
import { TopicFilterTrie } from '../../../src/topics/topic-filter-trie.js';
import { isValidTopicFilter, isValidTopicName } from '../../../src/topics/topic-rules.js';

function trieOf(...filters: string[]): TopicFilterTrie {
  const trie = new TopicFilterTrie();
  for (const filter of filters) trie.add(filter);
  return trie;
}

describe('TopicFilterTrie (MQTT 3.1.1 §4.7)', () => {
  it('matches exact names, + for one level and # for the level and below', () => {
    const trie = trieOf('a/b', 'a/+', 'a/#', '+/b', '#', 'a/b/c', 'x/+/z');
    expect(trie.match('a/b').sort()).toEqual(['#', '+/b', 'a/#', 'a/+', 'a/b'].sort());
    expect(trie.match('a/b/c').sort()).toEqual(['#', 'a/#', 'a/b/c'].sort());
    expect(trie.match('x/y/z').sort()).toEqual(['#', 'x/+/z'].sort());
    expect(trie.match('x/y')).toEqual(['#']);
  });

  it('lets a/# match the parent level a (§4.7.1.2)', () => {
    expect(trieOf('a/#').match('a')).toEqual(['a/#']);
    expect(trieOf('a/#').match('ab')).toEqual([]);
  });

  it('treats empty levels as levels', () => {
    const trie = trieOf('a//b', 'a/+/b', '/+');
    expect(trie.match('a//b').sort()).toEqual(['a/+/b', 'a//b']);
    expect(trie.match('/x')).toEqual(['/+']);
    expect(trie.match('a/b')).toEqual([]);
  });

  it('does not match $ topics with a filter starting with a wildcard (§4.7.2)', () => {
    const trie = trieOf('#', '+/info', '$SYS/#', '$SYS/+/info');
    expect(trie.match('$SYS/broker/info').sort()).toEqual(['$SYS/#', '$SYS/+/info']);
    expect(trie.match('$app/info')).toEqual([]);
    expect(trie.match('app/info').sort()).toEqual(['#', '+/info']);
  });

  it('counts distinct filters and forgets deleted ones (pruning empty branches)', () => {
    const trie = trieOf('a/b/c', 'a/b/c', 'a/+');
    expect(trie.size).toBe(2);
    trie.delete('a/b/c');
    trie.delete('a/b/c');
    trie.delete('never/added');
    expect(trie.size).toBe(1);
    expect(trie.match('a/b/c')).toEqual([]);
    expect(trie.match('a/b')).toEqual(['a/+']);
    trie.delete('a/+');
    expect(trie.size).toBe(0);
    expect(trie.match('a/b')).toEqual([]);
  });

  it('validates filters and names', () => {
    expect(isValidTopicFilter('a/+/#')).toBe(true);
    expect(isValidTopicFilter('a/#/b')).toBe(false);
    expect(isValidTopicFilter('a+/b')).toBe(false);
    expect(isValidTopicFilter('')).toBe(false);
    expect(isValidTopicName('a/b')).toBe(true);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(isValidTopicName('a/#')).toBe(false);
    expect(isValidTopicName('')).toBe(false);
  });
});
