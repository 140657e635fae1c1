import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoapEndpoint, exchangeLifetimeMs, maxTransmitWaitMs, type CoapReply } from '../../../src/lwm2m/coap/coap-endpoint.js';
import { decodeBlock, decodeMessage, encodeBlock, encodeMessage, type CoapMessage } from '../../../src/lwm2m/coap/message.js';

const decodeBlockValue = (v: Buffer | undefined) => decodeBlock(v ?? Buffer.alloc(0));
import { silentLogger } from '../../../src/log.js';

const PEER = { address: '127.0.0.1', port: 5000 };
const params = { ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, maxBodySize: 1024, maxRequestBodySize: 16 * 1024, dedupBudgetBytes: 1024 * 1024 };

function setup(onRequest: (m: CoapMessage) => CoapReply = () => ({ code: '2.04' }), unmatched = false, maxBodySize = params.maxBodySize) {
  const out: CoapMessage[] = [];
  const endpoint = new CoapEndpoint({
    send: (data) => out.push(decodeMessage(data)),
    params: { ...params, maxBodySize },
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
    const token = endpoint.request(
      PEER,
      { code: '0.01', options: [] },
      { onResponse: () => outcome.push('resp'), onReset: () => outcome.push('rst'), onTimeout: () => outcome.push('timeout') },
    );
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
    const token = endpoint.request(
      PEER,
      { code: '0.01', options: [] },
      { onEmptyAck: () => outcome.push('ack'), onResponse: (r) => outcome.push(r.code), onReset: () => undefined, onTimeout: () => outcome.push('timeout') },
    );
    feed({ type: 'ACK', code: '0.00', messageId: out[0]?.messageId });
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
    feed({ type: 'ACK', code: '0.00', messageId: out[0]?.messageId });
    vi.advanceTimersByTime(maxTransmitWaitMs(params) + 1);
    expect(outcome).toEqual(['timeout']);
  });

  it('RST answers a response with an unknown token (RFC 7641 §3.6); RST from the device resets a request', () => {
    const { endpoint, out, feed } = setup();
    feed({ type: 'CON', code: '2.05', messageId: 9, token: Buffer.from([1, 2]) });
    expect(out[0]).toMatchObject({ type: 'RST', messageId: 9 });
    const outcome: string[] = [];
    endpoint.request(PEER, { code: '0.01', options: [] }, { onResponse: () => undefined, onReset: () => outcome.push('rst'), onTimeout: () => undefined });
    feed({ type: 'RST', code: '0.00', messageId: out[1]?.messageId });
    expect(outcome).toEqual(['rst']);
  });

  it('reassembles Block2 responses (RFC 7959 §2.4)', () => {
    const { endpoint, out, feed } = setup();
    let body = '';
    const token = endpoint.request(
      PEER,
      { code: '0.01', options: [{ number: 11, value: Buffer.from('3') }] },
      { onResponse: (r) => (body = r.payload.toString()), onReset: () => undefined, onTimeout: () => undefined },
    );
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[0]?.messageId,
      token,
      options: [{ number: 23, value: encodeBlock({ num: 0, more: true, szx: 0 }) }],
      payload: Buffer.from('a'.repeat(16)),
    });
    expect(out).toHaveLength(2);
    expect(out[1]?.options).toContainEqual({ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) });
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[1]?.messageId,
      token,
      options: [{ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) }],
      payload: Buffer.from('bc'),
    });
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

  it('draws the initial timeout from [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (RFC 7252 §4.2)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { endpoint, out } = setup();
    endpoint.request(PEER, { code: '0.01', options: [] }, { onResponse: () => undefined, onReset: () => undefined, onTimeout: () => undefined });
    vi.advanceTimersByTime(2996);
    expect(out).toHaveLength(1);
    vi.advanceTimersByTime(3);
    expect(out).toHaveLength(2);
    // 2000 * (1 + 0.999 * 0.5) = 2999 ms, then doubled: the second retransmission follows 5998 ms later.
    vi.advanceTimersByTime(5997);
    expect(out).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(out).toHaveLength(3);
  });

  it('keeps Message IDs per peer: traffic to other devices never makes a peer see a recent ID again (RFC 7252 §4.4)', () => {
    const { endpoint, out } = setup();
    const none = { onResponse: () => undefined, onReset: () => undefined, onTimeout: () => undefined };
    const tokenA = endpoint.request(PEER, { code: '0.01', options: [] }, none);
    const midA = out[0]?.messageId;
    endpoint.cancel(tokenA);
    for (let i = 0; i < 0xffff; i++) {
      const t = endpoint.request({ address: '10.0.0.1', port: 1000 + (i % 50_000) }, { code: '0.01', options: [] }, none);
      endpoint.cancel(t);
    }
    endpoint.request(PEER, { code: '0.01', options: [] }, none);
    const again = out[out.length - 1];
    expect(again?.messageId).not.toBe(midA);
    expect(again?.messageId).toBe((midA + 1) & 0xffff);
    // Counters of idle peers are forgotten after EXCHANGE_LIFETIME.
    expect(endpoint.midCounters).toBe(50_001);
    vi.advanceTimersByTime(exchangeLifetimeMs(params) + 1);
    endpoint.sweep();
    expect(endpoint.midCounters).toBe(0);
  });

  it('a Block2 response out of sequence ends the request with 4.08 (RFC 7959 §2.4)', () => {
    const { endpoint, out, feed } = setup();
    const codes: string[] = [];
    const token = endpoint.request(
      PEER,
      { code: '0.01', options: [] },
      { onResponse: (r) => codes.push(r.code), onReset: () => undefined, onTimeout: () => undefined },
    );
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[0]?.messageId,
      token,
      options: [{ number: 23, value: encodeBlock({ num: 0, more: true, szx: 0 }) }],
      payload: Buffer.from('a'.repeat(16)),
    });
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[1]?.messageId,
      token,
      options: [{ number: 23, value: encodeBlock({ num: 2, more: false, szx: 0 }) }],
      payload: Buffer.from('b'),
    });
    expect(codes).toEqual(['4.08']);
    expect(endpoint.pendingRequests).toBe(0);
  });

  it("a reassembled Block2 answer keeps the first block's Observe option", () => {
    const { endpoint, out, feed } = setup();
    let observe: Buffer | undefined;
    const token = endpoint.request(
      PEER,
      { code: '0.01', options: [{ number: 6, value: Buffer.alloc(0) }] },
      { onResponse: (r) => (observe = r.options.find((o) => o.number === 6)?.value), onReset: () => undefined, onTimeout: () => undefined },
    );
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[0]?.messageId,
      token,
      options: [
        { number: 6, value: Buffer.from([5]) },
        { number: 23, value: encodeBlock({ num: 0, more: true, szx: 0 }) },
      ],
      payload: Buffer.from('a'.repeat(16)),
    });
    expect(out[1]?.options.some((o) => o.number === 6)).toBe(false);
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[1]?.messageId,
      token,
      options: [{ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) }],
      payload: Buffer.from('b'),
    });
    expect(observe).toEqual(Buffer.from([5]));
  });

  it('a deregistration can reuse the observation token; a token in use is never shared', () => {
    const { endpoint } = setup();
    const none = { onResponse: () => undefined, onReset: () => undefined, onTimeout: () => undefined };
    const observed = Buffer.from('0102030405060708', 'hex');
    expect(endpoint.request(PEER, { code: '0.01', options: [] }, none, observed)).toEqual(observed);
    const second = endpoint.request(PEER, { code: '0.01', options: [] }, none, observed);
    expect(second.equals(observed)).toBe(false);
    expect(second.length).toBe(8);
    expect(endpoint.request(PEER, { code: '0.01', options: [] }, none, Buffer.alloc(0)).length).toBe(8);
  });

  it('reports where a Block2 body starts: the requested NUM, or 0 when the device sent the whole representation', () => {
    const { endpoint, out, feed } = setup();
    const seen: [string, number][] = [];
    const cb = { onResponse: (r: CoapMessage, from: number) => seen.push([r.payload.toString(), from]), onReset: () => undefined, onTimeout: () => undefined };
    const rest = { code: '0.01', options: [{ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) }] };
    const t1 = endpoint.request(PEER, rest, cb);
    feed({
      type: 'ACK',
      code: '2.05',
      messageId: out[0]?.messageId,
      token: t1,
      options: [{ number: 23, value: encodeBlock({ num: 1, more: false, szx: 0 }) }],
      payload: Buffer.from('tail'),
    });
    const t2 = endpoint.request(PEER, rest, cb);
    feed({ type: 'ACK', code: '2.05', messageId: out[1]?.messageId, token: t2, payload: Buffer.from('whole') });
    expect(seen).toEqual([
      ['tail', 1],
      ['whole', 0],
    ]);
  });

  it('sends a body above 1024 bytes in Block1 blocks, each after 2.31 Continue, smaller when asked (RFC 7959 §2.5)', () => {
    const { endpoint, out, feed } = setup(undefined, false, 65_536);
    const body = Buffer.alloc(2600);
    for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
    const codes: string[] = [];
    const token = endpoint.request(
      PEER,
      { code: '0.03', options: [{ number: 11, value: Buffer.from('5') }], payload: body },
      { onResponse: (r) => codes.push(r.code), onReset: () => undefined, onTimeout: () => undefined },
    );
    const block1 = (m: CoapMessage | undefined) => m?.options.find((o) => o.number === 27)?.value;
    expect(out[0]?.payload).toEqual(body.subarray(0, 1024));
    expect(block1(out[0])).toEqual(encodeBlock({ num: 0, more: true, szx: 6 }));
    // The device accepts block 0 but asks for 512-byte blocks: the next is NUM 2 of size 512.
    feed({
      type: 'ACK',
      code: '2.31',
      messageId: out[0]?.messageId,
      token,
      options: [{ number: 27, value: encodeBlock({ num: 0, more: true, szx: 5 }) }],
    });
    expect(block1(out[1])).toEqual(encodeBlock({ num: 2, more: true, szx: 5 }));
    expect(out[1]?.payload).toEqual(body.subarray(1024, 1536));
    expect(out[1]?.messageId).not.toBe(out[0]?.messageId);
    // A lost ACK: the block is retransmitted as is.
    vi.advanceTimersByTime(2000);
    expect(out[2]).toEqual(out[1]);
    const received = [out[0]?.payload];
    for (;;) {
      const sentMsg = out[out.length - 1];
      const block = decodeBlockValue(block1(sentMsg));
      received.push(sentMsg.payload);
      if (!block.more) {
        expect(block).toEqual({ num: 5, more: false, szx: 5 });
        feed({ type: 'ACK', code: '2.04', messageId: sentMsg.messageId, token });
        break;
      }
      feed({ type: 'ACK', code: '2.31', messageId: sentMsg.messageId, token, options: [{ number: 27, value: encodeBlock(block) }] });
    }
    expect(Buffer.concat(received)).toEqual(body);
    expect(codes).toEqual(['2.04']);
    expect(endpoint.pendingRequests).toBe(0);
  });

  it('an error answer to a Block1 block ends the upload with that code; a body above the limit is refused', () => {
    const { endpoint, out, feed } = setup(undefined, false, 65_536);
    const codes: string[] = [];
    const token = endpoint.request(
      PEER,
      { code: '0.03', options: [], payload: Buffer.alloc(3000) },
      { onResponse: (r) => codes.push(r.code), onReset: () => undefined, onTimeout: () => undefined },
    );
    feed({ type: 'ACK', code: '4.13', messageId: out[0]?.messageId, token });
    expect(codes).toEqual(['4.13']);
    expect(out).toHaveLength(1);
    expect(() =>
      endpoint.request(
        PEER,
        { code: '0.03', options: [], payload: Buffer.alloc(65_537) },
        { onResponse: () => undefined, onReset: () => undefined, onTimeout: () => undefined },
      ),
    ).toThrow(/above/);
    expect(endpoint.pendingRequests).toBe(0);
  });

  it('passes every NON notification with Observe to the handler: no dedup entry (RFC 7641 §3.4 ordering drops repeats)', () => {
    const seen: number[] = [];
    const out: CoapMessage[] = [];
    let take = true;
    const endpoint = new CoapEndpoint({
      send: (data) => out.push(decodeMessage(data)),
      params,
      logger: silentLogger(),
      handlers: { onActivity: () => undefined, onRequest: () => ({ code: '2.04' }), onUnmatchedResponse: (m) => (seen.push(m.messageId), take) },
    });
    const notification = encodeMessage({
      type: 'NON',
      code: '2.05',
      messageId: 9,
      token: Buffer.from([1, 2]),
      options: [{ number: 6, value: Buffer.from([3]) }],
      payload: Buffer.from('x'),
    });
    endpoint.handleDatagram(notification, PEER.address, PEER.port);
    endpoint.handleDatagram(notification, PEER.address, PEER.port);
    expect(seen).toEqual([9, 9]);
    expect(out).toEqual([]);
    expect(endpoint.stats.duplicates).toBe(0);
    // Nobody observes the token: RST (RFC 7641 §3.6), each time.
    take = false;
    endpoint.handleDatagram(notification, PEER.address, PEER.port);
    expect(out.map((m) => [m.type, m.messageId])).toEqual([['RST', 9]]);
  });
});
