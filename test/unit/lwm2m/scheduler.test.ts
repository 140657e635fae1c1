import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCommand, type Lwm2mCommand } from '../../../src/lwm2m/bridge/command.js';
import { DownlinkScheduler } from '../../../src/lwm2m/downlink/scheduler.js';
import type { Registration } from '../../../src/lwm2m/registration/registration.js';
import { autoObservePaths } from '../../../src/lwm2m/downlink/auto-observe.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { formatPath } from '../../../src/lwm2m/path.js';
import type { ObjectModel } from '../../../src/lwm2m/model/types.js';

function read(path: string, reqID: number): Lwm2mCommand {
  const p = parseCommand(Buffer.from(JSON.stringify({ reqID, msgType: 'read', data: { path } })));
  if (!p.ok) throw new Error('bad');
  return p.command;
}

function device(queueMode: boolean): Registration {
  return { endpoint: 'e', queueMode, lastSeen: Date.now(), inflight: 0, queue: [] } as unknown as Registration;
}

describe('DownlinkScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(opts: Partial<{ maxInflight: number; queueMaxSize: number; queueMaxAge: number; qmodeTimeWindow: number }> = {}) {
    const sent: { id: unknown; release: () => void }[] = [];
    const dropped: unknown[] = [];
    const s = new DownlinkScheduler({
      maxInflight: 1,
      queueMaxSize: 3,
      queueMaxAge: 10_000,
      qmodeTimeWindow: 1000,
      ...opts,
      transmit: (_r, c, release) => sent.push({ id: c.echo.reqID, release }),
      drop: (_r, c) => dropped.push(c.echo.reqID),
    });
    return { s, sent, dropped };
  }

  it('keeps one request in flight and sends the rest in order', () => {
    const { s, sent } = setup();
    const reg = device(false);
    for (let i = 0; i < 3; i++) s.submit(reg, read('/3/0/0', i));
    expect(sent.map((x) => x.id)).toEqual([0]);
    sent[0]?.release();
    sent[0]?.release(); // idempotent
    expect(sent.map((x) => x.id)).toEqual([0, 1]);
    sent[1]?.release();
    sent[2]?.release();
    expect(reg.inflight).toBe(0);
  });

  it('bounds the queue: the oldest waiting command is dropped', () => {
    const { s, sent, dropped } = setup({ queueMaxSize: 2 });
    const reg = device(false);
    for (let i = 0; i < 4; i++) s.submit(reg, read('/3/0/0', i));
    expect(sent.map((x) => x.id)).toEqual([0]);
    expect(dropped).toEqual([1]);
    expect((reg.queue ?? []).map((q) => q.command.echo.reqID)).toEqual([2, 3]);
  });

  it('queue mode: holds commands outside the awake window, sends them when the device talks', () => {
    const { s, sent } = setup();
    const reg = device(true);
    s.submit(reg, read('/3/0/0', 0));
    sent[0]?.release();
    vi.advanceTimersByTime(1500);
    s.submit(reg, read('/3/0/1', 1));
    s.submit(reg, read('/3/0/2', 2));
    expect(sent).toHaveLength(1);
    reg.lastSeen = Date.now();
    s.pump(reg);
    expect(sent.map((x) => x.id)).toEqual([0, 1]);
    sent[1]?.release();
    expect(sent.map((x) => x.id)).toEqual([0, 1, 2]);
  });

  it('answers commands older than queue_max_age with a drop, at sweep and at dequeue', () => {
    const { s, sent, dropped } = setup({ queueMaxAge: 5000 });
    const reg = device(true);
    vi.advanceTimersByTime(2000);
    s.submit(reg, read('/3/0/0', 0));
    expect(s.waitingDevices).toBe(1);
    vi.advanceTimersByTime(5001);
    s.sweep();
    expect(dropped).toEqual([0]);
    expect(s.waitingDevices).toBe(0);
    s.submit(reg, read('/3/0/0', 1));
    vi.advanceTimersByTime(6000);
    reg.lastSeen = Date.now();
    s.pump(reg);
    expect(dropped).toEqual([0, 1]);
    expect(sent).toHaveLength(0);
  });

  it('mheaders ttl 0 bypasses the in-flight slot; discard answers every queued command', () => {
    const { s, sent, dropped } = setup();
    const reg = device(false);
    s.submit(reg, read('/3/0/0', 0));
    const p = parseCommand(Buffer.from(JSON.stringify({ reqID: 9, mheaders: { ttl: 0 }, msgType: 'read', data: { path: '/3/0/0' } })));
    if (p.ok) s.submit(reg, p.command);
    s.submit(reg, read('/3/0/0', 1));
    expect(sent.map((x) => x.id)).toEqual([0, 9]);
    s.discard(reg);
    expect(dropped).toEqual([1]);
  });
});

describe('autoObservePaths', () => {
  const model = (id: number): ObjectModel => ({
    id,
    name: `o${id}`,
    description: '',
    version: '1.0',
    lwm2mVersion: '1.0',
    urn: '',
    multiple: true,
    mandatory: false,
    resources: new Map(),
  });
  const models = createModelRegistry([1, 3, 5, 3303].map(model));
  it('true: skips the EMQX ignore list and objects without a model', () => {
    expect(autoObservePaths(true, ['/1/0', '/3/0', '/5/0', '/3303/0', '/59102/0'], models).map(formatPath)).toEqual(['/3/0', '/3303/0']);
  });
  it('list: config order, present in objectList, ignore list bypassed', () => {
    expect(autoObservePaths(['/3/0', '/1/0', '/4/0'], ['/1/0', '/3/0'], models).map(formatPath)).toEqual(['/3/0', '/1/0']);
    expect(autoObservePaths(['/3/0'], ['/1', '/2'], models)).toEqual([]);
    expect(autoObservePaths(false, ['/3/0'], models)).toEqual([]);
  });
});
