import { describe, expect, it } from 'vitest';
import { parseObjectLinks } from '../../../src/lwm2m/registration/object-links.js';
import { bindingRefusal, objectVersionRefusal } from '../../../src/lwm2m/registration/version-rules.js';

describe('registration rules per LwM2M version', () => {
  it('1.2: valueless Q, binding letters U T S N M H once each, never Q', () => {
    expect(bindingRefusal('1.2', undefined, undefined)).toBeUndefined();
    expect(bindingRefusal('1.2', 'UMH', '')).toBeUndefined();
    expect(bindingRefusal('1.2', 'UQ', undefined)).toMatch(/Q parameter/);
    expect(bindingRefusal('1.2', 'U', '1')).toMatch(/no value/);
    expect(bindingRefusal('1.2', 'UZ', undefined)).toMatch(/invalid binding/);
    expect(bindingRefusal('1.2', '', undefined)).toMatch(/invalid binding/);
    expect(bindingRefusal('1.2', 'TT', undefined)).toMatch(/repeats/);
  });

  it('1.0 and 1.1 stay lenient: b=UQ is accepted, other letters are not', () => {
    for (const v of ['1', '1.0', '1.1']) {
      expect(bindingRefusal(v, 'UQ', undefined)).toBeUndefined();
      expect(bindingRefusal(v, 'UQS', '1')).toBeUndefined();
      expect(bindingRefusal(v, 'UM', undefined)).toMatch(/invalid binding/);
    }
  });

  it('ver= is Major.Minor, read from object and object instance links; the object link wins', () => {
    expect([...parseObjectLinks('</3/0>;ver=1.1,</3>;ver=1.2,</1/0>;ver=1.1,</1/1>;ver=1.2,</5>').versions]).toEqual([
      [3, '1.2'],
      [1, '1.1'],
    ]);
    // A malformed ver= is ignored (EMQX ignores ver=) and remembered: 1.2 registrations are refused for it.
    const bad = parseObjectLinks('</3>;ver=1,</1/0>;ver');
    expect(bad.versions.size).toBe(0);
    expect(bad.versionProblem).toMatch(/<\/3>: ver must be Major\.Minor/);
    expect(objectVersionRefusal('1.2', bad.versionProblem)).toBe(bad.versionProblem);
    expect(objectVersionRefusal('1.1', bad.versionProblem)).toBeUndefined();
    expect(parseObjectLinks('</3>;ver=1.0').versionProblem).toBeUndefined();
    expect(parseObjectLinks('</3/0/1>;ver=9.9').versions.size).toBe(0);
  });
});
