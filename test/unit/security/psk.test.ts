import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admit } from '../../../src/security/admission.js';
import { parsePskFile } from '../../../src/security/psk-file.js';
import { PskStore } from '../../../src/security/psk-store.js';

describe('psk_authentication init_file (EMQX 5 format)', () => {
  it('splits at the first separator; the secret is its UTF-8 bytes, or hex when written 0x...', () => {
    const { entries, problems } = parsePskFile('a:s3cr:et\r\nb:0x0aFF\n\nc:0x00ff:dev-c\n', ':');
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { identity: 'a', key: Buffer.from('s3cr:et'), endpoint: undefined },
      { identity: 'b', key: Buffer.from([0x0a, 0xff]), endpoint: undefined },
      { identity: 'c', key: Buffer.from([0x00, 0xff]), endpoint: 'dev-c' },
    ]);
  });

  it('reports each bad line by number and never echoes the secret', () => {
    const { problems } = parsePskFile('no-separator\n:empty-identity\nx:\ny:0xABC\nz:0x12:\n', ':');
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(JSON.stringify(problems)).not.toContain('ABC');
  });

  it('takes another separator', () => {
    expect(parsePskFile('id|key:with:colons', '|').entries[0]).toEqual({ identity: 'id', key: Buffer.from('key:with:colons'), endpoint: undefined });
  });
});

describe('PskStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psk-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('binds each identity to one name; names with credentials are secured', () => {
    const store = new PskStore();
    store.add('dev1', Buffer.from('k1'));
    store.add('id2', Buffer.from('k2'), 'dev2');
    expect(store.keyFor('dev1')).toEqual(Buffer.from('k1'));
    expect(store.nameFor('dev1')).toBe('dev1');
    expect(store.nameFor('id2')).toBe('dev2');
    expect(store.nameFor('nobody')).toBeUndefined();
    expect(store.isSecured('dev2')).toBe(true);
    expect(store.isSecured('id2')).toBe(false);
    store.add('id2', Buffer.from('k3'), 'dev3');
    expect(store.isSecured('dev2')).toBe(false);
    expect(store.isSecured('dev3')).toBe(true);
    expect(store.remove('id2')).toBe(true);
    expect(store.isSecured('dev3')).toBe(false);
    expect(() => store.add('x', Buffer.alloc(0))).toThrow(RangeError);
  });

  it('reloads all or nothing: removed file entries are revoked, run-time entries stay, a bad file changes nothing', async () => {
    const file = join(dir, 'keys');
    const store = new PskStore();
    await writeFile(file, 'a:one\nb:two\n');
    expect(await store.load(file, ':')).toEqual({ entries: 2, problems: [] });
    store.add('provisioned', Buffer.from('p'));
    await writeFile(file, 'a:uno\n');
    await store.load(file, ':');
    expect(store.keyFor('a')).toEqual(Buffer.from('uno'));
    expect(store.keyFor('b')).toBeUndefined();
    expect(store.keyFor('provisioned')).toEqual(Buffer.from('p'));
    await writeFile(file, 'broken line\n');
    expect((await store.load(file, ':')).problems).toHaveLength(1);
    expect(store.keyFor('a')).toEqual(Buffer.from('uno'));
  });
});

describe('admission of a name', () => {
  const store = new PskStore();
  store.add('dev1', Buffer.from('k'));
  store.add('id9', Buffer.from('k'), 'dev9');

  it('a DTLS identity may use its own name or the one its entry maps it to, nothing else', () => {
    expect(admit('dev1', { mode: 'psk', identity: 'dev1' }, store, 'all')).toEqual({ ok: true, auth: { auth: 'psk', identity: 'dev1' } });
    expect(admit('dev9', { mode: 'psk', identity: 'id9' }, store, 'all').ok).toBe(true);
    expect(admit('id9', { mode: 'psk', identity: 'id9' }, store, 'all').ok).toBe(false);
    expect(admit('dev9', { mode: 'psk', identity: 'dev1' }, store, 'all').ok).toBe(false);
    expect(admit('cn-dev', { mode: 'x509', identity: 'cn-dev' }, store, 'none')).toEqual({ ok: true, auth: { auth: 'x509', identity: 'cn-dev' } });
    expect(admit('dev1', { mode: 'x509', identity: 'cn-dev' }, store, 'all').ok).toBe(false);
  });

  it('without an identity: credentialed names are refused; plain_access none refuses everyone', () => {
    expect(admit('dev1', undefined, store, 'all').ok).toBe(false);
    expect(admit('dev9', undefined, store, 'all').ok).toBe(false);
    expect(admit('free', undefined, store, 'all')).toEqual({ ok: true, auth: { auth: 'none' } });
    expect(admit('free', undefined, store, 'none').ok).toBe(false);
  });
});

describe('dtls_options.ciphers', () => {
  it('takes a comma-separated string or an EMQX-style list, and names the bad entry', async () => {
    const { resolveConfig } = await import('../../../src/config/resolve.js');
    const dtls = (ciphers: unknown) =>
      resolveConfig({ lwm2m: { listeners: { dtls: { d: { dtls_options: { ciphers } } } } } }).lwm2m.listeners.dtls['d']?.dtls_options.ciphers;
    expect(dtls(['TLS_PSK_WITH_AES_128_CCM_8', 'PSK-AES128-CBC-SHA256'])).toBe('TLS_PSK_WITH_AES_128_CCM_8,PSK-AES128-CBC-SHA256');
    expect(dtls('PSK-AES128-CCM8, PSK-AES128-CBC-SHA256')).toBe('PSK-AES128-CCM8,PSK-AES128-CBC-SHA256');
    expect(() => dtls(['ok', 7])).toThrow(/lwm2m\.listeners\.dtls\.d\.dtls_options\.ciphers\[1\]/);
    expect(() => dtls('')).toThrow(/ciphers/);
  });
});
