import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coapDatagram, type CoapFuzzState } from '../fuzz/coap-datagrams.js';
import { mqttSnDatagram } from '../fuzz/mqttsn-datagrams.js';
import { Random } from '../fuzz/random.js';
import { MsgType } from '../../src/mqttsn/codec/index.js';

const N = 20_000;

/** One hash over the corpus, datagram boundaries included. */
function digest(corpus: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const d of corpus) hash.update(`${d.length}:`).update(d);
  return hash.digest('hex');
}

function mqttSnCorpus(seed: number): Buffer[] {
  const rand = new Random(seed);
  return Array.from({ length: N }, () => mqttSnDatagram(rand));
}

function coapCorpus(seed: number): Buffer[] {
  const rand = new Random(seed);
  const state: CoapFuzzState = { locations: ['abc'], tokens: [Buffer.from([1, 2])] };
  return Array.from({ length: N }, () => coapDatagram(rand, state));
}

describe('fuzz generators', () => {
  it('are deterministic per seed, and different seeds differ', () => {
    expect(digest(mqttSnCorpus(42))).toBe(digest(mqttSnCorpus(42)));
    expect(digest(coapCorpus(42))).toBe(digest(coapCorpus(42)));
    expect(digest(mqttSnCorpus(43))).not.toBe(digest(mqttSnCorpus(42)));
  });

  it('MQTT-SN: every message type, the three-octet Length, forwarder encapsulation and nesting', () => {
    const corpus = mqttSnCorpus(1);
    const types = new Set<number>();
    let longForm = 0;
    let encapsulated = 0;
    let nested = 0;
    for (const d of corpus) {
      if (d.length >= 4 && d[0] === 0x01) {
        longForm += 1;
        types.add(d[3]);
      } else if (d.length >= 2) {
        types.add(d[1]);
      }
      if (d.length >= 2 && d[1] === 0xfe) {
        encapsulated += 1;
        const inner = d[0];
        if (d[inner + 1] === 0xfe) nested += 1;
      }
    }
    for (const type of Object.values(MsgType)) expect(types.has(type), `MsgType 0x${type.toString(16)}`).toBe(true);
    expect(longForm).toBeGreaterThan(N / 100);
    expect(encapsulated).toBeGreaterThan(N / 20);
    expect(nested).toBeGreaterThan(N / 200);
  });

  it('CoAP: token lengths 0-15, extended option deltas and lengths, Register queries', () => {
    const corpus = coapCorpus(1);
    const tokenLengths = new Set<number>();
    let extendedOne = 0;
    let extendedTwo = 0;
    let registers = 0;
    for (const d of corpus) {
      if (d.length < 4) continue;
      tokenLengths.add(d[0] & 0x0f);
      const nibbles = optionNibbles(d);
      if (nibbles.includes(13)) extendedOne += 1;
      if (nibbles.includes(14)) extendedTwo += 1;
      if (d.includes(Buffer.from('ep='))) registers += 1;
    }
    for (let tkl = 0; tkl <= 15; tkl += 1) expect(tokenLengths.has(tkl), `TKL ${tkl}`).toBe(true);
    expect(extendedOne).toBeGreaterThan(N / 100);
    expect(extendedTwo).toBeGreaterThan(N / 100);
    expect(registers).toBeGreaterThan(N / 5);
  });
});

/** The delta and length nibbles of a CoAP message's options (RFC 7252 §3.1), as far as they can be walked. */
function optionNibbles(d: Buffer): number[] {
  const tkl = d[0] & 0x0f;
  if (tkl > 8) return [];
  const out: number[] = [];
  let at = 4 + tkl;
  while (at < d.length && d[at] !== 0xff) {
    const head = d[at];
    at += 1;
    const delta = head >> 4;
    const length = head & 0x0f;
    out.push(delta, length);
    if (delta === 15 || length === 15) break;
    at += delta === 13 ? 1 : delta === 14 ? 2 : 0;
    let size = length;
    if (length === 13) size = 13 + (d[at] ?? 0);
    if (length === 14) size = 269 + ((d[at] ?? 0) << 8) + (d[at + 1] ?? 0);
    at += (length === 13 ? 1 : length === 14 ? 2 : 0) + size;
  }
  return out;
}
