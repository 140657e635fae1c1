import type { IPublishPacket, Packet } from 'mqtt';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorePool } from '../../../src/upstream/file-store-pool.js';
import { FileStore, storeDirectoryFor } from '../../../src/upstream/file-store.js';

function put(store: FileStore, packet: Packet): Promise<void> {
  return new Promise((resolve, reject) => store.put(packet, (err) => (err ? reject(err) : resolve())));
}
function del(store: FileStore, messageId: number): Promise<Packet | undefined> {
  return new Promise((resolve, reject) => store.del({ messageId }, (err, p) => (err ? reject(err) : resolve(p))));
}
function get(store: FileStore, messageId: number): Promise<Packet | undefined> {
  return new Promise((resolve, reject) => store.get({ messageId }, (err, p) => (err ? reject(err) : resolve(p))));
}
async function streamed(store: FileStore): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const packet of store.createStream() as unknown as AsyncIterable<Packet>) out.push(packet);
  return out;
}
function publish(messageId: number, text: string): IPublishPacket {
  return { cmd: 'publish', topic: `t/${messageId}`, payload: Buffer.from(text), qos: 1, retain: false, dup: false, messageId };
}

describe('FileStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts, gets and deletes packets, streaming them in insertion order', async () => {
    const store = await FileStore.open(dir);
    await put(store, publish(7, 'seven'));
    await put(store, publish(3, 'three'));
    expect(await get(store, 7)).toMatchObject({ topic: 't/7' });
    expect((await streamed(store)).map((p) => p.messageId)).toEqual([7, 3]);
    expect(await del(store, 7)).toMatchObject({ messageId: 7 });
    await expect(get(store, 7)).rejects.toThrow('missing packet');
    await expect(del(store, 7)).rejects.toThrow('missing packet');
    expect((await streamed(store)).map((p) => p.messageId)).toEqual([3]);
  });

  it('survives a restart: payload bytes, order, and a PUBREL that replaced its PUBLISH', async () => {
    const first = await FileStore.open(dir);
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    await put(first, { ...publish(1, ''), payload: binary });
    await put(first, publish(2, 'two'));
    await put(first, publish(3, 'three'));
    await put(first, { cmd: 'pubrel', messageId: 1 });
    await del(first, 2);
    await new Promise<void>((resolve) => first.close(() => resolve()));

    const second = await FileStore.open(dir);
    const packets = await streamed(second);
    expect(packets.map((p) => [p.cmd, p.messageId])).toEqual([
      ['pubrel', 1],
      ['publish', 3],
    ]);
    const three = packets[1] as Packet & { payload: Buffer };
    expect(Buffer.isBuffer(three.payload)).toBe(true);
    expect(three.payload.toString()).toBe('three');
    // New entries sort after the old ones.
    await put(second, publish(9, 'nine'));
    const third = await FileStore.open(dir);
    expect((await streamed(third)).map((p) => p.messageId)).toEqual([1, 3, 9]);
  });

  it('a PUBREL keeps the PUBLISH it replaced, also across a restart; reviveReleased makes it that PUBLISH again', async () => {
    const first = await FileStore.open(dir);
    await put(first, { ...publish(4, 'released'), qos: 2 });
    await put(first, { cmd: 'pubrel', messageId: 4 });
    await put(first, publish(5, 'plain'));
    expect((await streamed(first)).map((p) => p.cmd)).toEqual(['pubrel', 'publish']);
    await new Promise<void>((resolve) => first.close(() => resolve()));
    const second = await FileStore.open(dir);
    expect((await streamed(second)).map((p) => p.cmd)).toEqual(['pubrel', 'publish']);
    expect(second.reviveReleased()).toBe(1);
    const revived = (await streamed(second)) as (Packet & { payload?: Buffer; qos?: number; dup?: boolean })[];
    expect(revived.map((p) => [p.cmd, p.messageId, p.qos, p.dup, p.payload?.toString()])).toEqual([
      ['publish', 4, 2, false, 'released'],
      ['publish', 5, 1, false, 'plain'],
    ]);
    expect(second.reviveReleased()).toBe(0);
    await new Promise<void>((resolve) => second.close(() => resolve()));
    expect((await streamed(await FileStore.open(dir))).map((p) => p.cmd)).toEqual(['publish', 'publish']);
  });

  it('in memory: the same store without files, callbacks at once', async () => {
    const store = FileStore.inMemory();
    let called = false;
    store.put(publish(1, 'm'), () => (called = true));
    expect(called).toBe(true);
    store.put({ cmd: 'pubrel', messageId: 1 }, () => undefined);
    expect(store.reviveReleased()).toBe(1);
    expect(await del(store, 1)).toMatchObject({ cmd: 'publish' });
    expect(store.size).toBe(0);
  });

  it('keeps binary payloads byte for byte', async () => {
    const store = await FileStore.open(dir);
    const bytes = Buffer.from([0, 255, 128, 10, 13]);
    await put(store, { ...publish(5, ''), payload: bytes });
    const reopened = await FileStore.open(dir);
    const [packet] = (await streamed(reopened)) as (Packet & { payload: Buffer })[];
    expect(packet?.payload.equals(bytes)).toBe(true);
  });

  it('discards interrupted writes and unreadable files on open', async () => {
    await writeFile(join(dir, '000000000001.json.tmp'), '{"cmd":"publish"');
    await writeFile(join(dir, '000000000002.json'), 'not json');
    await writeFile(join(dir, '000000000003.json'), JSON.stringify({ cmd: 'pubrel', messageId: 4 }));
    const store = await FileStore.open(dir);
    expect(store.size).toBe(1);
    expect(await readdir(dir)).toEqual(['000000000003.json']);
  });
});

describe('storeDirectoryFor', () => {
  it('gives every client id one safe path segment', () => {
    expect(storeDirectoryFor('/data', 'sensor-1')).toBe(`${sep}data${sep}sensor-1`);
    expect(storeDirectoryFor('/data', '../../etc')).toBe(`${sep}data${sep}%2E%2E%2F%2E%2E%2Fetc`);
    expect(storeDirectoryFor('/data', '..')).toBe(`${sep}data${sep}%2E%2E`);
    expect(storeDirectoryFor('/data', 'a/b')).not.toBe(storeDirectoryFor('/data', 'a_b'));
    expect(storeDirectoryFor('/data', '')).toBe(`${sep}data${sep}%`);
  });
});

describe('FileStorePool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-pool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shares one store pair per client id while sessions overlap, and forgets it after the last release', async () => {
    const pool = new FileStorePool(dir);
    const first = await pool.acquire('dev/1', false);
    const second = await pool.acquire('dev/1', false);
    const other = await pool.acquire('dev-2', false);
    expect(second.outgoing).toBe(first.outgoing);
    expect(second.incoming).toBe(first.incoming);
    expect(other.outgoing).not.toBe(first.outgoing);
    expect(pool.size).toBe(2);
    pool.release('dev/1');
    expect(pool.size).toBe(2);
    await put(first.outgoing, publish(1, 'persisted'));
    pool.release('dev/1');
    pool.release('dev-2');
    expect(pool.size).toBe(0);
    await pool.settled();
    const again = await pool.acquire('dev/1', false);
    expect(again.outgoing).not.toBe(first.outgoing);
    expect(again.outgoing.size).toBe(1); // reloaded from disk
    // dev-2 held nothing when its last session ended: its directory is gone.
    expect((await readdir(dir)).sort()).toEqual(['dev%2F1']);
  });

  it('records the client id and clean session flag, and lists the client ids with stored outgoing packets', async () => {
    const pool = new FileStorePool(dir);
    const clean = await pool.acquire('clean.dev', true);
    const persistent = await pool.acquire('persistent/dev', false);
    await pool.acquire('idle', true);
    await put(clean.outgoing, publish(1, 'a'));
    await put(clean.outgoing, publish(2, 'b'));
    await put(persistent.outgoing, { cmd: 'pubrel', messageId: 9 });
    // A directory an older gateway wrote, without the session file: its name is the client id.
    await mkdir(join(dir, 'old%2Fdev', 'outgoing'), { recursive: true });
    await writeFile(join(dir, 'old%2Fdev', 'outgoing', '000000000001.json'), JSON.stringify(publish(4, 'old')));
    expect(await new FileStorePool(dir).storedSessions()).toEqual([
      { clientId: 'clean.dev', cleanSession: true, outgoing: 2 },
      { clientId: 'old/dev', cleanSession: undefined, outgoing: 1 },
      { clientId: 'persistent/dev', cleanSession: false, outgoing: 1 },
    ]);
  });

  it('a clean session discards incoming QoS 2 state a previous session left; a persistent one keeps it; outgoing stays', async () => {
    const first = new FileStorePool(dir);
    const stores = await first.acquire('dev', false);
    await put(stores.incoming, { ...publish(5, 'in'), qos: 2 });
    await put(stores.outgoing, publish(6, 'out'));
    const resumed = await new FileStorePool(dir).acquire('dev', false);
    expect([resumed.incoming.size, resumed.outgoing.size]).toEqual([1, 1]);
    const cleaned = await new FileStorePool(dir).acquire('dev', true);
    expect([cleaned.incoming.size, cleaned.outgoing.size]).toEqual([0, 1]);
    expect(await readdir(join(storeDirectoryFor(dir, 'dev'), 'incoming'))).toEqual([]);
  });
});

describe('FileStore emptiness', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('whenEmpty resolves once the last packet and its file are gone', async () => {
    const store = await FileStore.open(dir);
    await store.whenEmpty();
    await put(store, publish(1, 'one'));
    await put(store, publish(2, 'two'));
    let empty = false;
    const waiting = store.whenEmpty().then(() => (empty = true));
    await del(store, 1);
    expect(empty).toBe(false);
    await del(store, 2);
    await waiting;
    expect(await readdir(dir)).toEqual([]);
  });
});
