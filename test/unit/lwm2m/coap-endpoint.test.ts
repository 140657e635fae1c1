import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoapEndpoint, maxTransmitWaitMs, type CoapReply } from '../../../src/lwm2m/coap/coap-endpoint.js';
import { decodeMessage, encodeBlock, encodeMessage, type CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { silentLogger } from '../../../src/log.js';

const PEER = { address: '127.0.0.1', port: 5000 };
const params = { ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, maxBodySize: 1024 };

function setup(onRequest: (m: CoapMessage) => CoapReply = () => ({ code: '2.04' }), unmatched = false) {
  const out: CoapMessage[] = [];
  const endpoint = new CoapEndpoint({
    send: (data) => out.push(decodeMessage(data)),
    params,
    logger: silentLogger(),
    handlers: { onActivity: () => undefined, onRequest: (m) => onRequest(m), onUnmatchedResponse: () => unmatched },
  });
  const feed = (m: Partial<CoapMessage> & { type: CoapMessage['type']; code: string; messageId: number }): void =>
    endpoint.handleDatagram(encodeMessage({ token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0), ...m }), PEER.address, PEER.port);
  return { endpoint, out, feed };
}

describe('CoapEndpoint', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('answers a CON request piggy-backed and a duplicate with the same reply, processed once (RFC 7252 §4.5)', () => {
    let calls = 0;
    const { out, feed } = setup(() => {
      calls += 1;
      return { code: '2.01' };
    });
    feed({ type: 'CON', code: '0.02', messageId: 77, token: Buffer.from([9]) });
    feed({ type: 'CON', code: '0.02', messageId: 77, token: Buffer.from([9]) });
    expect(calls).toBe(1);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ type: 'ACK', code: '2.01', messageId: 77 });
    expect(out[1]).toEqual(out[0]);
  });

  it('retransmits CON requests with a doubling timeout MAX_RETRANSMIT times, then times out (RFC 7252 §4.2)', () => {
    const { endpoint, out } = setup();
    const outcome: string[] = [];
    const token = endpoint.request(PEER, { code: '0.01', options: [] }, { onResponse: () => outcome.push('resp'), onReset: () => outcome.push('rst'), onTimeout: () => outcome.push('timeout') });
    expect(token.length).toBe(8);
    expect(out).toHaveLength(1);
    const times = [2000, 4000, 8000, 16000];
    for (const [i, t] of times.entries()) {
      vi.advanceTimersByTime(t - 1);
      expect(out).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(out).toHaveLength(i + 2);
      expect(out[i + 1]?.messageId).toBe(out[0]?.messageId);
    }
    vi.advanceTimersByTime(32000);
    expect(outcome).toEqual(['timeout']);
    expect(endpoint.pendingRequests).toBe(0);
  });

  it('empty ACK stops retransmission; the separate CON response is ACKed and delivered', () => {
    const { endpoint, out, feed } = setup();
    const outcome: string[] = [];
    const token = endpoint.request(PEER, { code: '0.01', options: [] }, { onEmptyAck: () => outcome.push('ack'), onResponse: (r) => outcome.push(r.code), onReset: () => undefined, onTimeout: () => outcome.push('timeout') });
    feed({ type: 'ACK', code: '0.00', messageId: out[0]?.messageId as number });
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(1);
    feed({ type: 'CON', code: '2.05', messageId: 500, token });
    expect(outcome).toEqual(['ack', '2.05']);
    expect(out[1]).toMatchObject({ type: 'ACK', code: '0.00', messageId: 500 });
  });

  it('times out a separate response after MAX_TRANSMIT_WAIT', () => {
    const { endpoint, out, feed } = setup();
    const outcome: string[] = [];
    endpoint.request(PEER, { code: '0.01', options: [] }, { onResponse: () => undefined, onReset: () => undefined, onTimeout: () => outcome.push('timeout') });
    feed({ type: 'ACK', code: '0.00', messageId: out[0]?.messageId as number });
    vi.advanceTimersByTime(maxTransmitWaitMs(params) + 1);
    expect(outcome).toEqual(['timeout']);
  });

  it('RST answers a response with an unknown token (RFC 7641 §3.6); RST from the device resets a request', () => {
    const { endpoint, out, feed } = setup();
    feed({ type: 'CON', code: '2.05', messageId: 9, token: Buffer.from([1, 2]) });
    expect(out[0]).toMatchObject({ type: 'RST', messageId: 9 });
    const outcome: string[] = [];
    endpoint.request(PEER, { code: '0.01', options: [] }, { onResponse: () => undefined, onReset: () => outcome.push('rst'), onTimeout: () => undefined });
    feed({ type: 'RST', code: '0.00', messageId: out[1]?.messageId as number });
    expect(outcome).toEqual(['rst']);
  });

  it('reassembles Block2 responses (RFC 7959 §2.4)', () => {
    const { endpoint, out, feed } = setup();
    let body = '';
    const token = endpoint.request(PEER, { code: '0.01', options: [{ number: 11, value: Buffer.from('3') }] }, { onResponse: (r) => (body = r.payload.toString()), onReset: () => undefined, onTimeout: () => undefined });
    feed({ type: 'ACK', code: '2.05', messageId: out[0]?.messageId as number, token, options: [{ number: 23, value: encodeBlock({ num: 0, more: true, szx: 0 }) }], payload: Buffer.from('a'.repeat(16)) });
    expect(out).toHaveLength(2);
    expect(out[1]?.options).toContainEqual({ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) });
    feed({ type: 'ACK', code: '2.05', messageId: out[1]?.messageId as number, token, options: [{ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) }], payload: Buffer.from('bc') });
    expect(body).toBe('a'.repeat(16) + 'bc');
  });

  it('never throws on malformed datagrams', () => {
    const { endpoint } = setup();
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.from(Array.from({ length: i % 30 }, (_, j) => (i * 31 + j * 7) & 0xff));
      expect(() => endpoint.handleDatagram(buf, PEER.address, PEER.port)).not.toThrow();
    }
    expect(endpoint.stats.malformed).toBeGreaterThan(0);
  });

  it('rejects a malformed CON with RST carrying its message id (RFC 7252 §4.2)', () => {
    const { endpoint, out } = setup();
    endpoint.handleDatagram(Buffer.from([0x40, 0x01, 0x12, 0x34, 0xf0]), PEER.address, PEER.port);
    expect(out).toEqual([expect.objectContaining({ type: 'RST', code: '0.00', messageId: 0x1234 })]);
    endpoint.handleDatagram(Buffer.from([0x50, 0x01, 0x12, 0x35, 0xf0]), PEER.address, PEER.port); // NON: silently dropped
    expect(out).toHaveLength(1);
  });
});
