import { describe, expect, it } from 'vitest';
import {
  checkDeviceSuppliedName,
  checkTopicFilter,
  checkTopicName,
  decodeStrictUtf8,
  isValidTopicFilter,
  isValidTopicName,
} from '../../../src/topics/topic-rules.js';

describe('topic rules (MQTT 3.1.1 §1.5.3, §4.7)', () => {
  it('topic names: no wildcards, no NUL, not empty, no lone surrogates', () => {
    expect(isValidTopicName('a/b/c')).toBe(true);
    expect(isValidTopicName('$SYS/x')).toBe(true);
    expect(checkTopicName('')).toBe('is empty');
    expect(checkTopicName('a/+')).toMatch(/wildcard/);
    expect(checkTopicName('a/#')).toMatch(/wildcard/);
    expect(checkTopicName('a\u0000b')).toBe('contains NUL');
    expect(checkTopicName('a\ud800b')).toBe('is not valid UTF-8');
    expect(isValidTopicName('😀/ok')).toBe(true);
    expect(checkTopicName('x'.repeat(65_536))).toMatch(/longer than 65535 bytes/);
  });

  it('names and filters: no control characters or noncharacters (§1.5.3-2; mosquitto closes the connection)', () => {
    for (const bad of ['a\u0001b', 'a\tb', 'a\u007fb', 'a\u0085b']) {
      expect(checkTopicName(bad)).toBe('contains a control character');
      expect(checkTopicFilter(`${bad}/#`)).toBe('contains a control character');
    }
    for (const bad of ['a\uffffb', 'a\ufffe', '\ufdd0', 'x\u{1fffe}', 'x\u{10ffff}']) {
      expect(checkTopicName(bad)).toBe('contains a Unicode noncharacter');
      expect(checkTopicFilter(bad)).toBe('contains a Unicode noncharacter');
      expect(checkDeviceSuppliedName(bad)).toBe('contains a Unicode noncharacter');
    }
    for (const ok of ['a\u200bb', '\ufdcf', '\ufff0', 'x\u{1fffd}', '😀', '$SYS/x']) expect(checkTopicName(ok), ok).toBeUndefined();
  });

  it('topic filters: wildcards only as whole levels, # last', () => {
    for (const ok of ['#', '+', 'a/+/b', 'a/#', '+/+/#']) expect(isValidTopicFilter(ok)).toBe(true);
    expect(checkTopicFilter('a/#/b')).toMatch(/last one/);
    expect(checkTopicFilter('a#')).toMatch(/whole level/);
    expect(checkTopicFilter('a/b+')).toMatch(/whole level/);
    expect(checkTopicFilter('a/\u0000')).toBe('contains NUL');
  });

  it('device-supplied names keep the topic structure', () => {
    expect(checkDeviceSuppliedName('urn:imei:123456789012345')).toBeUndefined();
    expect(checkDeviceSuppliedName('sensor-1.kitchen_ü')).toBeUndefined();
    for (const bad of ['x+y', 'x#', '+', '#']) expect(checkDeviceSuppliedName(bad)).toMatch(/wildcard/);
    expect(checkDeviceSuppliedName('a/b')).toMatch(/separator/);
    expect(checkDeviceSuppliedName('$SYS')).toMatch(/reserved/);
    expect(checkDeviceSuppliedName('a\u0000')).toBe('contains NUL');
    expect(checkDeviceSuppliedName('a\nb')).toMatch(/control character/);
    expect(checkDeviceSuppliedName('a\u0085b')).toMatch(/control character/);
    expect(checkDeviceSuppliedName('')).toBe('is empty');
  });

  it('strict UTF-8 decoding refuses ill-formed bytes instead of replacing them', () => {
    expect(decodeStrictUtf8(Buffer.from('héllo', 'utf8'))).toBe('héllo');
    expect(decodeStrictUtf8(Buffer.from([0x61, 0xff, 0x62]))).toBeUndefined();
    expect(decodeStrictUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined(); // encoded surrogate U+D800
    expect(decodeStrictUtf8(Buffer.from([0xc0, 0xaf]))).toBeUndefined(); // overlong "/"
  });
});
