import { describe, expect, it } from 'vitest';
import { checkTopicFilter, checkTopicName, fillClientIdTemplate, hasWildcard, stripMountpoint } from '../../../src/mqttsn/topic-names.js';

const isValidTopicName = (name: string): boolean => checkTopicName(name) === undefined;
const isValidTopicFilter = (filter: string): boolean => checkTopicFilter(filter) === undefined;

describe('topic names, filters and templates', () => {
  it('tells names from filters (MQTT 3.1.1 §4.7)', () => {
    expect(isValidTopicName('a/b')).toBe(true);
    expect(isValidTopicName('/$sys/rain')).toBe(true);
    expect(isValidTopicName('')).toBe(false);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(hasWildcard('a/#')).toBe(true);
    expect(isValidTopicFilter('a/+/c')).toBe(true);
    expect(isValidTopicFilter('#')).toBe(true);
    expect(isValidTopicFilter('a/#/c')).toBe(false);
    expect(isValidTopicFilter('a/b+')).toBe(false);
    expect(isValidTopicFilter('a#')).toBe(false);
  });

  it('fills ${clientid} and strips mountpoints', () => {
    expect(fillClientIdTemplate('mp/${clientid}/${clientid}', 'd1')).toBe('mp/d1/d1');
    expect(fillClientIdTemplate('plain', 'd1')).toBe('plain');
    expect(stripMountpoint('mp/', 'mp/x')).toBe('x');
    expect(stripMountpoint('mp/', 'other/x')).toBeUndefined();
    expect(stripMountpoint('', 'x')).toBe('x');
  });
});
