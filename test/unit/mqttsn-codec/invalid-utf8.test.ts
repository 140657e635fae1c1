import { describe, expect, it } from 'vitest';
import { CodecError, MsgType, parsePacket } from '../../../src/mqttsn/codec/index.js';
import { checkDeviceSuppliedName, checkTopicName } from '../../../src/topics/topic-rules.js';

function connect(clientId: number[]): Buffer {
  return Buffer.from([6 + clientId.length, MsgType.CONNECT, 0x04, 0x01, 0x00, 0x3c, ...clientId]);
}

describe('string fields with invalid UTF-8, kept for an answer', () => {
  it('by default they are a parse error (BAD_UTF8)', () => {
    expect(() => parsePacket(connect([0x61, 0x80]))).toThrow(CodecError);
  });

  it('kept: valid sequences decode as usual, each offending octet becomes a lone surrogate the topic rules refuse', () => {
    const cases: [number[], string][] = [
      [[0x61, 0x80, 0x62], 'a\udc80b'],
      [[0xc3, 0xa4, 0xff], 'ä\udcff'],
      [[0xc0, 0xaf], '\udcc0\udcaf'], // overlong "/" (RFC 3629 §3)
      [[0xed, 0xa0, 0x80], '\udced\udca0\udc80'], // an encoded surrogate
      [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'], // above U+10FFFF
      [[0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82], '\u{1f600}\udce2\udc82'], // a truncated sequence after a valid one
    ];
    for (const [octets, expected] of cases) {
      const packet = parsePacket(connect(octets), { keepInvalidUtf8: true });
      expect(packet).toMatchObject({ type: MsgType.CONNECT, clientId: expected });
      if (packet.type !== MsgType.CONNECT) throw new Error('not a CONNECT');
      expect(checkDeviceSuppliedName(packet.clientId)).toBe('is not valid UTF-8');
      expect(checkTopicName(packet.clientId)).toBe('is not valid UTF-8');
    }
  });

  it('kept mode ends with the parse: the next default parse refuses again', () => {
    parsePacket(connect([0x80]), { keepInvalidUtf8: true });
    expect(() => parsePacket(connect([0x80]))).toThrow(CodecError);
    expect(() => parsePacket(Buffer.from([0x01]), { keepInvalidUtf8: true })).toThrow(CodecError);
    expect(() => parsePacket(connect([0x80]))).toThrow(CodecError);
  });
});
