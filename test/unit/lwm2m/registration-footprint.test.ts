import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { LinkCache } from '../../../src/lwm2m/registration/link-cache.js';
import { parseObjectLinks } from '../../../src/lwm2m/registration/object-links.js';
import { PackedQuery } from '../../../src/lwm2m/registration/packed-query.js';
import { isQueueMode, parseQuery } from '../../../src/lwm2m/registration/register-query.js';
import { Registrar } from '../../../src/lwm2m/registration/registrar.js';
import { registerEvent } from '../../../src/lwm2m/registration/report.js';
import { RegistrationStore } from '../../../src/lwm2m/registration/store.js';
import type { Registration } from '../../../src/lwm2m/registration/registration.js';

describe('PackedQuery (one string per registration)', () => {
  it('keeps order, valueless parameters, "=" inside values and reads keys back', () => {
    const q = PackedQuery.from(parseQuery(['ep=a', 'Q', 'x=1=2', 'lt=60', 'e=']));
    expect([...q]).toEqual([
      ['ep', 'a'],
      ['Q', ''],
      ['x', '1=2'],
      ['lt', '60'],
      ['e', ''],
    ]);
    expect(q.size).toBe(5);
    expect(q.get('x')).toBe('1=2');
    expect(q.has('Q')).toBe(true);
    expect(q.get('nope')).toBeUndefined();
    expect(isQueueMode('U', q)).toBe(true);
  });

  it('a value containing NUL (the packing separator) is kept intact', () => {
    const q = PackedQuery.from(parseQuery(['ep=a', 'odd=x\u0000y', 'b=U']));
    expect([...q]).toEqual([
      ['ep', 'a'],
      ['odd', 'x\u0000y'],
      ['b', 'U'],
    ]);
    expect(q.size).toBe(3);
  });

  it('an empty query reads as empty', () => {
    const q = PackedQuery.from(new Map());
    expect([...q]).toEqual([]);
    expect(q.size).toBe(0);
  });
});

describe('LinkCache (registrations share parsed link payloads)', () => {
  it('returns the same frozen object for the same text and a different one otherwise', () => {
    const cache = new LinkCache();
    const a = cache.parse('</1/0>,</3/0>');
    const b = cache.parse('</1/0>,</3/0>');
    const c = cache.parse('</1/0>,</3/0>,</5/0>');
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(c.objectList).toEqual(['/1/0', '/3/0', '/5/0']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.objectList)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('propagates link-format errors and caches nothing for them', () => {
    const cache = new LinkCache();
    expect(() => cache.parse('<unterminated')).toThrow();
    expect(cache.size).toBe(0);
  });

  it('parsed links without ct= or ver= still answer as before', () => {
    const l = parseObjectLinks('</1/0>');
    expect(l.contentFormats).toEqual([]);
    expect(l.versions.size).toBe(0);
    expect(parseObjectLinks('</3>;ver=1.1').versions.get(3)).toBe('1.1');
  });
});

describe('Registration record', () => {
  const peer = { address: '10.0.0.1', port: 5000 };
  const config = resolveConfig({ lwm2m: {} }).lwm2m;

  it('holds no queue until a command waits, shares link payloads, and an Update merge keeps order', () => {
    const store = new RegistrationStore();
    const registrar = new Registrar({ config, store, events: { registered: () => undefined, updated: () => undefined, deregistered: () => undefined } });
    registrar.register(['ep=a', 'lt=60', 'lwm2m=1.1', 'b=U'], Buffer.from('</1/0>,</3/0>'), peer);
    registrar.register(['ep=b', 'lt=60', 'lwm2m=1.1'], Buffer.from('</1/0>,</3/0>'), { address: '10.0.0.2', port: 5000 });
    const a = store.get('a') as Registration;
    const b = store.get('b') as Registration;
    expect(a.queue).toBeUndefined();
    expect(a.objects).toBe(b.objects);
    expect(a.mountpoint).toBe('lwm2m/a/');
    registrar.update('a', ['lt=90', 'sms=1', 'b=UQ'], Buffer.alloc(0), peer);
    expect([...a.query]).toEqual([
      ['ep', 'a'],
      ['lt', '90'],
      ['lwm2m', '1.1'],
      ['b', 'UQ'],
      ['sms', '1'],
    ]);
    expect(a.queueMode).toBe(true);
    expect(registerEvent(a).data).toEqual({ ep: 'a', lt: 90, lwm2m: '1.1', auth: 'none', b: 'UQ', sms: '1', alternatePath: '/', objectList: ['/1/0', '/3/0'] });
  });

  it('a mountpoint without placeholders is the configured string itself', () => {
    const store = new RegistrationStore();
    const fixed = resolveConfig({ lwm2m: { mountpoint: 'fleet/' } }).lwm2m;
    const registrar = new Registrar({ config: fixed, store, events: { registered: () => undefined, updated: () => undefined, deregistered: () => undefined } });
    registrar.register(['ep=a', 'lwm2m=1.0'], Buffer.alloc(0), peer);
    expect((store.get('a') as Registration).mountpoint).toBe('fleet/');
  });
});
