import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { parseObjectLinks, rootSegments } from '../../../src/lwm2m/registration/object-links.js';
import { checkRegisterQuery, effectiveLifetimeMs, parseQuery } from '../../../src/lwm2m/registration/register-query.js';
import { Registrar, type RegistrarEvents } from '../../../src/lwm2m/registration/registrar.js';
import { registerEvent } from '../../../src/lwm2m/registration/report.js';
import { RegistrationStore } from '../../../src/lwm2m/registration/store.js';
import type { Registration } from '../../../src/lwm2m/registration/registration.js';

const peer = { address: '10.0.0.1', port: 5000 };

describe('register query', () => {
  it('parses key=value, valueless Q and values containing "="', () => {
    const q = parseQuery(['ep=a', 'Q', 'x=1=2', '']);
    expect([...q]).toEqual([
      ['ep', 'a'],
      ['Q', ''],
      ['x', '1=2'],
    ]);
  });

  it('accepts 1, 1.0, 1.1, 1.2 and defaults lt to 86400', () => {
    for (const v of ['1', '1.0', '1.1', '1.2']) {
      const r = checkRegisterQuery(parseQuery(['ep=a', `lwm2m=${v}`]));
      expect(r.ok && r.value.lifetime).toBe(86400);
    }
  });

  it('rejects missing ep, missing or unknown version, bad lt, bad binding with a reason', () => {
    for (const q of [['lwm2m=1.0'], ['ep=a'], ['ep=a', 'lwm2m=8.3'], ['ep=a', 'lwm2m=1.0', 'lt=-1'], ['ep=a', 'lwm2m=1.0', 'b=X'], ['ep=', 'lwm2m=1.0']]) {
      const r = checkRegisterQuery(parseQuery(q));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(5);
    }
  });

  it('detects queue mode from b=UQ/SQ/UQS and 1.1 Q', () => {
    const mode = (q: string[]): boolean => {
      const r = checkRegisterQuery(parseQuery(['ep=a', 'lwm2m=1.1', ...q]));
      return r.ok && r.value.queueMode;
    };
    expect(mode(['b=UQ'])).toBe(true);
    expect(mode(['b=SQ'])).toBe(true);
    expect(mode(['b=UQS'])).toBe(true);
    expect(mode(['Q'])).toBe(true);
    expect(mode(['b=U'])).toBe(false);
  });

  it('treats the NB-IoT PSM apn values as queue mode, as EMQX (case90_psm_mode)', () => {
    const mode = (q: string[]): boolean => {
      const r = checkRegisterQuery(parseQuery(['ep=a', 'lwm2m=1.0', ...q]));
      return r.ok && r.value.queueMode;
    };
    for (const apn of ['Ctnb', 'psmA.eDRX0.ctnb', 'psmC.eDRX0.ctnb', 'psmF.eDRXC.ctnb']) expect(mode([`apn=${apn}`])).toBe(true);
    expect(mode(['apn=internet'])).toBe(false);
    expect(mode(['apn=ctnb'])).toBe(false);
  });

  it('clamps the lifetime; lt=0 means lifetime_max', () => {
    expect(effectiveLifetimeMs(0, 15_000, 86_400_000)).toBe(86_400_000);
    expect(effectiveLifetimeMs(1, 15_000, 86_400_000)).toBe(15_000);
    expect(effectiveLifetimeMs(100, 15_000, 86_400_000)).toBe(100_000);
    expect(effectiveLifetimeMs(10_000_000, 15_000, 86_400_000)).toBe(86_400_000);
  });
});

describe('object links', () => {
  it('derives alternatePath and strips its prefix (EMQX case07)', () => {
    const l = parseObjectLinks('</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/0>,</3/0>,</lwm2m/5>;ver=1.1');
    expect(l.alternatePath).toBe('/lwm2m');
    expect(l.objectList).toEqual(['/1/0', '/3/0', '/5']);
    expect(l.contentFormats).toEqual([110]);
    expect(l.versions.get(5)).toBe('1.1');
    expect(rootSegments(l)).toEqual(['lwm2m']);
  });

  it('defaults alternatePath to "/"', () => {
    const l = parseObjectLinks('</1/0>, </3/0>');
    expect(l.alternatePath).toBe('/');
    expect(rootSegments(l)).toEqual([]);
    expect(l.contentFormats).toEqual([]);
  });
});

function makeRegistrar(now: { t: number }, mountpoint?: string) {
  const config = resolveConfig({ lwm2m: { lifetime_min: '1s', lifetime_grace: '2s', ...(mountpoint === undefined ? {} : { mountpoint }) } }).lwm2m;
  const store = new RegistrationStore();
  const log: string[] = [];
  const events: RegistrarEvents = {
    registered: (reg, prev) => log.push(`registered ${reg.endpoint} ${prev === undefined ? 'new' : 'replaced'}`),
    updated: (reg, hadLinks) => log.push(`updated ${reg.endpoint} ${hadLinks}`),
    deregistered: (reg, reason) => log.push(`deregistered ${reg.endpoint} ${reason}`),
  };
  return { registrar: new Registrar({ config, store, events, now: () => now.t }), store, log };
}

describe('Registrar', () => {
  it('register, update (merge, NAT rebinding), deregister', () => {
    const now = { t: 1000 };
    const { registrar, store, log } = makeRegistrar(now);
    expect(registrar.register(['ep=a', 'lt=60', 'lwm2m=1.0', 'imei=99'], Buffer.from('</3/0>'), peer)).toEqual({ code: '2.01', location: ['rd', 'a'] });
    const reg = store.get('a') as Registration;
    expect(reg.username).toBe('99');
    expect(reg.mountpoint).toBe('lwm2m/a/');
    const moved = { address: '10.0.0.2', port: 6000 };
    expect(registrar.update('a', ['sms=123'], Buffer.alloc(0), moved)).toEqual({ code: '2.04' });
    expect(store.byPeer(moved)).toBe(reg);
    expect(store.byPeer(peer)).toBeUndefined();
    expect(registerEvent(reg)).toEqual({
      msgType: 'register',
      data: { ep: 'a', lt: 60, lwm2m: '1.0', auth: 'none', imei: '99', sms: '123', alternatePath: '/', objectList: ['/3/0'] },
    });
    expect(registrar.update('nobody', [], Buffer.alloc(0), peer).code).toBe('4.04');
    expect(registrar.deregister('a')).toEqual({ code: '2.02' });
    expect(registrar.deregister('a').code).toBe('4.04');
    expect(log).toEqual(['registered a new', 'updated a false', 'deregistered a deregister']);
  });

  it('re-register replaces and keeps the queue', () => {
    const now = { t: 0 };
    const { registrar, store, log } = makeRegistrar(now);
    registrar.register(['ep=a', 'lt=60', 'lwm2m=1.0'], Buffer.alloc(0), peer);
    const reg = store.get('a') as Registration;
    reg.queue = [{ command: {} as never, queuedAt: 0 }];
    expect(registrar.register(['ep=a', 'lt=90', 'lwm2m=1.1'], Buffer.alloc(0), peer).code).toBe('2.01');
    expect(store.get('a')).toBe(reg);
    expect(reg.lifetime).toBe(90);
    expect(reg.queue?.length).toBe(1);
    expect(log).toEqual(['registered a new', 'registered a replaced']);
  });

  it('one sweep expires registrations after lifetime + grace; touch restarts the lifetime', () => {
    const now = { t: 0 };
    const { registrar, store, log } = makeRegistrar(now);
    registrar.register(['ep=a', 'lt=10', 'lwm2m=1.0'], Buffer.alloc(0), peer);
    registrar.register(['ep=b', 'lt=10', 'lwm2m=1.0'], Buffer.alloc(0), { address: '10.0.0.9', port: 1 });
    now.t = 11_000;
    registrar.touch(store.get('b') as Registration);
    now.t = 12_001;
    expect(registrar.sweep()).toBe(1);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toMatchObject({ endpoint: 'b', peer: { address: '10.0.0.9', port: 1 } });
    now.t = 23_001;
    expect(registrar.sweep()).toBe(1);
    expect(log.filter((l) => l.startsWith('deregistered'))).toEqual(['deregistered a expired', 'deregistered b expired']);
  });

  it('secrets are stripped from reports', () => {
    const now = { t: 0 };
    const { registrar, store } = makeRegistrar(now);
    registrar.register(
      ['ep=s', 'lt=60', 'lwm2m=1.0', 'password=p', 'secret=x', 'private_key=k', 'access_token=t', 'psk=1', 'token=2', 'cust=1'],
      Buffer.alloc(0),
      peer,
    );
    expect(registerEvent(store.get('s') as Registration).data).toEqual({ ep: 's', lt: 60, lwm2m: '1.0', auth: 'none', cust: '1' });
  });

  it('re-register takes the new imei / device_id: a later NAT rebinding keeps the new mountpoint', () => {
    const now = { t: 0 };
    const { registrar, store } = makeRegistrar(now, 'lwm2m/${username}/${clientid}/');
    registrar.register(['ep=a', 'lt=60', 'lwm2m=1.0', 'imei=1', 'device_id=d1'], Buffer.alloc(0), peer);
    registrar.register(['ep=a', 'lt=60', 'lwm2m=1.0', 'imei=2', 'device_id=d2'], Buffer.alloc(0), peer);
    const reg = store.get('a') as Registration;
    expect([reg.username, reg.clientId, reg.mountpoint]).toEqual(['2', 'd2', 'lwm2m/2/d2/']);
    registrar.update('a', [], Buffer.alloc(0), { address: '10.0.0.3', port: 7000 });
    expect(reg.mountpoint).toBe('lwm2m/2/d2/');
  });

  it('one address, two endpoints: the one that registered there last owns "any message" refreshes (docs/lwm2m.md)', () => {
    const now = { t: 0 };
    const { registrar, store } = makeRegistrar(now);
    registrar.register(['ep=old', 'lt=60', 'lwm2m=1.0'], Buffer.alloc(0), peer);
    // A NAT hands the released port to another device, which registers there.
    registrar.register(['ep=new', 'lt=60', 'lwm2m=1.0'], Buffer.alloc(0), peer);
    expect(store.byPeer(peer)?.endpoint).toBe('new');
    // Both are still served by name; the old one's own Update moves it to its new address.
    const moved = { address: '10.0.0.4', port: 7001 };
    expect(registrar.update('old', [], Buffer.alloc(0), moved).code).toBe('2.04');
    expect(store.byPeer(moved)?.endpoint).toBe('old');
    expect(store.byPeer(peer)?.endpoint).toBe('new');
    expect(registrar.deregister('new').code).toBe('2.02');
    expect(store.byPeer(moved)?.endpoint).toBe('old');
  });

  it('bounds the stored query: Register or an Update that would keep more than 64 parameters -> 4.00', () => {
    const now = { t: 0 };
    const { registrar, store } = makeRegistrar(now);
    const many = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}=1`);
    expect(registrar.register(['ep=q', 'lwm2m=1.0', ...many(63, 'k')], Buffer.alloc(0), peer).code).toBe('4.00');
    expect(registrar.register(['ep=q', 'lwm2m=1.0', ...many(62, 'k')], Buffer.alloc(0), peer).code).toBe('2.01');
    // Repeating known keys is fine; new keys beyond the bound are refused and nothing is merged.
    expect(registrar.update('q', many(62, 'k'), Buffer.alloc(0), peer).code).toBe('2.04');
    const refused = registrar.update('q', ['new1=1', 'new2=2', 'lt=30'], Buffer.alloc(0), peer);
    expect(refused.code).toBe('4.00');
    expect((store.get('q') as Registration).query.size).toBe(64);
    expect((store.get('q') as Registration).lifetime).toBe(86_400);
  });
});
