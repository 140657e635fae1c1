import { describe, expect, it } from 'vitest';
import { encodeTlv, parseTlv, type TlvRecord } from '../../../src/lwm2m/content/tlv.js';
import {
  ACCESS_CONTROL_TWO_INSTANCES,
  DEVICE_OBJECT,
  DEVICE_RESOURCES,
  OBJECT_65_INSTANCE,
  OBJECT_66_TWO_INSTANCES,
  SERVER_ONE_INSTANCE,
} from './spec-examples.js';
import { errorOf } from './test-helpers.js';
import { hex } from './test-models.js';

describe('TLV records (LwM2M 1.0 TS §6.4.3)', () => {
  it.each([
    ['Device resources (§6.4.3.1)', DEVICE_RESOURCES],
    ['Device object instance (§6.4.3.1)', DEVICE_OBJECT],
    ['Server, one instance (§6.4.3.2 A)', SERVER_ONE_INSTANCE],
    ['Access Control, two instances (§6.4.3.2 B)', ACCESS_CONTROL_TWO_INSTANCES],
    ['Object 65 with object links (§6.4.3.3)', OBJECT_65_INSTANCE],
    ['Object 66, two instances (§6.4.3.3)', OBJECT_66_TWO_INSTANCES],
  ])('parses and re-encodes byte-identical: %s', (_name, bytes) => {
    const records = parseTlv(bytes);
    expect(records.length).toBeGreaterThan(0);
    expect(encodeTlv(records).equals(bytes)).toBe(true);
  });

  it('parses the Device resources into the structure of the spec table', () => {
    const records = parseTlv(DEVICE_RESOURCES);
    expect(records.map((r) => [r.kind, r.id])).toEqual([
      ['resource', 0],
      ['resource', 1],
      ['resource', 2],
      ['resource', 3],
      ['multiple-resource', 6],
      ['multiple-resource', 7],
      ['multiple-resource', 8],
      ['resource', 9],
      ['resource', 10],
      ['multiple-resource', 11],
      ['resource', 13],
      ['resource', 14],
      ['resource', 16],
    ]);
    const voltages = records[5];
    expect(voltages?.kind).toBe('multiple-resource');
    if (voltages?.kind !== 'multiple-resource') return;
    expect(voltages.children).toEqual([
      { kind: 'resource-instance', id: 0, value: hex('0ED8') },
      { kind: 'resource-instance', id: 1, value: hex('1388') },
    ]);
    expect(records[0]).toEqual({ kind: 'resource', id: 0, value: Buffer.from('Open Mobile Alliance') });
  });

  it('reads the 16-bit resource-instance id 310 of the Access Control example', () => {
    const [, second] = parseTlv(ACCESS_CONTROL_TWO_INSTANCES);
    expect(second?.kind === 'object-instance' && second.id).toBe(2);
    if (second?.kind !== 'object-instance') return;
    const acl = second.children[2];
    expect(acl?.kind === 'multiple-resource' && acl.children.map((c) => c.id)).toEqual([127, 310]);
  });

  it('picks the smallest header: inline length < 8, then 8/16/24-bit length fields, 16-bit ids above 255', () => {
    const leaf = (id: number, length: number): TlvRecord => ({ kind: 'resource', id, value: Buffer.alloc(length, 0x61) });
    expect(encodeTlv([leaf(1, 7)]).subarray(0, 2)).toEqual(hex('C7 01'));
    expect(encodeTlv([leaf(1, 8)]).subarray(0, 3)).toEqual(hex('C8 01 08'));
    expect(encodeTlv([leaf(1, 256)]).subarray(0, 4)).toEqual(hex('D0 01 0100'));
    expect(encodeTlv([leaf(1, 65536)]).subarray(0, 5)).toEqual(hex('D8 01 010000'));
    expect(encodeTlv([leaf(256, 1)]).subarray(0, 3)).toEqual(hex('E1 0100'));
    expect(encodeTlv([{ kind: 'object-instance', id: 0x1234, children: [] }])).toEqual(hex('20 1234'));
    for (const length of [7, 8, 255, 256, 65535, 65536]) {
      const [parsed] = parseTlv(encodeTlv([leaf(300, length)]));
      expect(parsed?.kind === 'resource' && parsed.id === 300 && parsed.value.equals(Buffer.alloc(length, 0x61))).toBe(true);
    }
  });

  it('accepts a non-minimal header (16-bit length field for a short value) when parsing', () => {
    expect(parseTlv(hex('D0 05 0002 ABCD'))).toEqual([{ kind: 'resource', id: 5, value: hex('ABCD') }]);
  });

  it('parses an empty payload and empty containers', () => {
    expect(parseTlv(Buffer.alloc(0))).toEqual([]);
    expect(parseTlv(hex('00 03 80 06'))).toEqual([
      { kind: 'object-instance', id: 3, children: [] },
      { kind: 'multiple-resource', id: 6, children: [] },
    ]);
  });

  it.each([
    ['truncated identifier', 'C1', /header runs past/],
    ['truncated 16-bit identifier', 'E1 00', /header runs past/],
    ['truncated length field', 'D0 01 00', /header runs past/],
    ['value longer than the payload', 'C4 01 0000', /length 4 runs past/],
    ['8-bit length beyond the end', 'C8 01 09 00', /length 9 runs past/],
    ['nested record beyond its container', '08 00 03 C4 01 00', /runs past/],
    ['resource instance inside an object instance', '08 00 03 41 00 01', /resource-instance cannot be nested in an object-instance/],
    ['resource inside a multiple resource', '83 06 C1 00 01', /resource cannot be nested in a multiple-resource/],
    ['object instance inside an object instance', '08 00 02 00 01', /object-instance cannot be nested/],
  ])('rejects %s with GW_ERR_CONTENT', (_name, bytes, reason) => {
    const err = errorOf(() => parseTlv(hex(bytes)));
    expect(err.code).toBe('GW_ERR_CONTENT');
    expect(err.message).toMatch(reason);
  });

  it('refuses to encode identifiers above 65535', () => {
    const err = errorOf(() => encodeTlv([{ kind: 'resource', id: 70000, value: Buffer.alloc(0) }]));
    expect(err.code).toBe('GW_ERR_CONTENT');
  });
});
