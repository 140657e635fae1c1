import { describe, expect, it } from 'vitest';
import { Inflight, type InflightEntry } from '../../../src/mqttsn/inflight.js';

function entry(msgId: number, sentAt: number): InflightEntry {
  return {
    msgId,
    message: { topic: 't', payload: Buffer.from('p'), qos: 1, retain: false },
    ref: { kind: 'normal', id: 1025 },
    stage: 'puback',
    sentAt,
    retries: 0,
  };
}

describe('Inflight (T_RETRY / N_RETRY, §6.13)', () => {
  it('is full at its capacity', () => {
    const w = new Inflight(2);
    w.add(entry(1, 0));
    expect(w.full).toBe(false);
    w.add(entry(2, 0));
    expect(w.full).toBe(true);
    w.delete(1);
    expect(w.full).toBe(false);
  });

  it('retransmits every retry interval, N_RETRY times, then reports exhaustion', () => {
    const w = new Inflight(1);
    w.add(entry(7, 0));
    expect(w.nextDeadline(100)).toBe(100);
    expect(w.due(99, 100, 2)).toEqual([]);
    const first = w.due(100, 100, 2);
    expect(first.map((a) => a.kind)).toEqual(['resend']);
    expect(w.get(7)?.retries).toBe(1);
    expect(w.nextDeadline(100)).toBe(200);
    expect(w.due(200, 100, 2).map((a) => a.kind)).toEqual(['resend']);
    expect(w.due(300, 100, 2).map((a) => a.kind)).toEqual(['exhausted']);
  });

  it('keeps send order for retransmission and drain', () => {
    const w = new Inflight(3);
    w.add(entry(5, 0));
    w.add(entry(3, 0));
    w.add(entry(9, 0));
    expect(w.due(1000, 10, 3).map((a) => a.entry.msgId)).toEqual([5, 3, 9]);
    expect(w.drain().map((e) => e.msgId)).toEqual([5, 3, 9]);
    expect(w.size).toBe(0);
  });
});
