import { Flag, TopicIdType } from '../constants.js';
import type { TopicRef } from '../types.js';
import { CodecError } from '../codec-error.js';
import { checkU16, readU16, readUtf8, writeU16 } from '../primitives.js';

/**
 * Topic references, MQTT-SN v1.2 §5.3.4 (TopicIdType bits 1-0), §5.3.11 TopicId, §5.3.12 TopicName.
 *
 * Short topic names are exactly two octets in the TopicId field; they are read as UTF-8 (almost
 * always two ASCII characters) and must encode back to exactly two octets.
 */

function readShortName(buf: Buffer, offset: number, what: string): string {
  const a = buf[offset];
  const b = buf[offset + 1];
  if (a < 0x80 && b < 0x80) return String.fromCharCode(a, b);
  return readUtf8(buf, offset, offset + 2, what);
}

function checkShortName(name: string, what: string): void {
  if (Buffer.byteLength(name, 'utf8') !== 2) {
    throw new CodecError('BAD_FIELD', `${what}: a short topic name is exactly 2 octets, got "${name}"`, { field: 'topic' });
  }
}

/** PUBLISH's two-octet TopicId field, interpreted by TopicIdType. 'reserved' keeps the two raw octets (a view). */
export function readTopicIdField(buf: Buffer, offset: number, flags: number, what: string): TopicRef {
  switch (flags & Flag.TOPIC_ID_TYPE_MASK) {
    case TopicIdType.NORMAL:
      return { kind: 'normal', id: readU16(buf, offset) };
    case TopicIdType.PREDEFINED:
      return { kind: 'predefined', id: readU16(buf, offset) };
    case TopicIdType.SHORT:
      return { kind: 'short', name: readShortName(buf, offset, `${what}.topic`) };
    default:
      return { kind: 'reserved', raw: buf.subarray(offset, offset + 2) };
  }
}

/** TopicIdType bits for a PUBLISH topic; validates it. 'name' is not possible in PUBLISH. */
export function topicIdFieldType(topic: TopicRef, what: string): number {
  switch (topic.kind) {
    case 'normal':
      checkU16(topic.id, `${what}.topic.id`);
      return TopicIdType.NORMAL;
    case 'predefined':
      checkU16(topic.id, `${what}.topic.id`);
      return TopicIdType.PREDEFINED;
    case 'short':
      checkShortName(topic.name, what);
      return TopicIdType.SHORT;
    case 'reserved':
      if (topic.raw.length !== 2) {
        throw new CodecError('BAD_FIELD', `${what}: a reserved topic reference in the TopicId field is 2 octets`, { field: 'topic' });
      }
      return TopicIdType.RESERVED;
    default:
      throw new CodecError('BAD_FIELD', `${what}: a topic name cannot be sent in the TopicId field`, { field: 'topic' });
  }
}

/** TopicIdType bits of an already validated PUBLISH topic. */
export function topicIdFieldBits(topic: TopicRef): number {
  switch (topic.kind) {
    case 'predefined':
      return TopicIdType.PREDEFINED;
    case 'short':
      return TopicIdType.SHORT;
    case 'reserved':
      return TopicIdType.RESERVED;
    default:
      return TopicIdType.NORMAL;
  }
}

export function writeTopicIdField(topic: TopicRef, buf: Buffer, offset: number): void {
  switch (topic.kind) {
    case 'normal':
    case 'predefined':
      writeU16(buf, offset, topic.id);
      return;
    case 'short':
      buf.write(topic.name, offset, 2, 'utf8');
      return;
    case 'reserved':
      topic.raw.copy(buf, offset, 0, 2);
      return;
    default:
      return;
  }
}

/**
 * SUBSCRIBE / UNSUBSCRIBE tail (§5.4.15, §5.4.17): TopicName (0b00, may be empty at codec level),
 * TopicId (0b01) or short name (0b10) in exactly two octets, or 'reserved' (0b11) keeping every
 * remaining octet (a view) so the gateway can answer "not supported".
 */
export function readTopicTail(buf: Buffer, start: number, end: number, flags: number, what: string): TopicRef {
  const type = flags & Flag.TOPIC_ID_TYPE_MASK;
  if (type === TopicIdType.NORMAL) return { kind: 'name', name: readUtf8(buf, start, end, `${what}.topicName`) };
  if (type === TopicIdType.RESERVED) return { kind: 'reserved', raw: buf.subarray(start, end) };
  const len = end - start;
  if (len !== 2) {
    throw new CodecError(len < 2 ? 'TOO_SHORT' : 'TRAILING_BYTES', `${what}: a topic id or short name is 2 octets, got ${len}`, {
      got: len,
    });
  }
  return type === TopicIdType.PREDEFINED
    ? { kind: 'predefined', id: readU16(buf, start) }
    : { kind: 'short', name: readShortName(buf, start, `${what}.topic`) };
}

/** Size of a SUBSCRIBE / UNSUBSCRIBE tail; validates it. A 'normal' id cannot be expressed there. */
export function topicTailSize(topic: TopicRef, what: string): number {
  switch (topic.kind) {
    case 'name':
      return Buffer.byteLength(topic.name, 'utf8');
    case 'predefined':
      checkU16(topic.id, `${what}.topic.id`);
      return 2;
    case 'short':
      checkShortName(topic.name, what);
      return 2;
    case 'reserved':
      return topic.raw.length;
    default:
      throw new CodecError('BAD_FIELD', `${what}: a normal topic id cannot be sent (TopicIdType 0b00 means a topic name here)`, {
        field: 'topic',
      });
  }
}

export function topicTailType(topic: TopicRef): number {
  switch (topic.kind) {
    case 'name':
      return TopicIdType.NORMAL;
    case 'predefined':
      return TopicIdType.PREDEFINED;
    case 'short':
      return TopicIdType.SHORT;
    default:
      return TopicIdType.RESERVED;
  }
}

export function writeTopicTail(topic: TopicRef, buf: Buffer, offset: number): void {
  switch (topic.kind) {
    case 'name':
      buf.write(topic.name, offset, 'utf8');
      return;
    case 'predefined':
      writeU16(buf, offset, topic.id);
      return;
    case 'short':
      buf.write(topic.name, offset, 2, 'utf8');
      return;
    case 'reserved':
      topic.raw.copy(buf, offset);
      return;
    default:
      return;
  }
}
