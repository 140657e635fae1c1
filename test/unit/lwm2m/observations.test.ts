import { describe, expect, it } from 'vitest';
import { isFresh, ObservationStore, type Observation } from '../../../src/lwm2m/downlink/observations.js';
import { parsePath } from '../../../src/lwm2m/path.js';

function obs(tokenKey: string, endpoint: string, path: string, lastSeq?: number): Observation {
  return { tokenKey, endpoint, path: parsePath(path), pathKey: path, reqPath: path, echo: {}, lastSeq, lastAt: 0 };
}

describe('observations', () => {
  it('RFC 7641 §3.4 freshness: newer, wrapped and 128 s old values are fresh; older are not', () => {
    const o = obs('t', 'e', '/3/0/9', 10);
    expect(isFresh(o, 11, 1)).toBe(true);
    expect(isFresh(o, 9, 1)).toBe(false);
    expect(isFresh(o, 10, 1)).toBe(false);
    expect(isFresh({ ...o, lastSeq: 2 ** 24 - 1 }, 1, 1)).toBe(true);
    expect(isFresh(o, 9, 128_001)).toBe(true);
    expect(isFresh(obs('t', 'e', '/3', undefined), 0, 0)).toBe(true);
  });

  it('finds by token, cancels by path, forgets a whole endpoint', () => {
    const s = new ObservationStore();
    s.add(obs('a', 'e1', '/3/0/9'));
    s.add(obs('b', 'e1', '/3/0/10'));
    s.add(obs('c', 'e2', '/3/0/9'));
    expect(s.get('a')?.endpoint).toBe('e1');
    expect(s.removePath('e1', '/3/0/9')).toBe(1);
    expect(s.get('a')).toBeUndefined();
    expect(s.get('c')?.endpoint).toBe('e2');
    s.removeEndpoint('e1');
    expect(s.get('b')).toBeUndefined();
    expect(s.size).toBe(1);
  });
});
