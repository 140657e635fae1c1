import { ReturnCode } from '../codec/constants.js';
import type { TopicRef } from '../codec/types.js';
import type { PredefinedTopics, TopicRegistry } from '../topic-registry.js';
import { checkTopicName } from '../topic-names.js';

/** `reason`: why the topic rules refused a short name (for the debug log). */
export type ResolvedTopic = { readonly name: string } | { readonly returnCode: number; readonly reason?: string };

/**
 * The topic name a PUBLISH refers to (§6.8): a registered normal id, a
 * predefined id, or a two-character short name. Lenient as EMQX: an id sent
 * with the "other" id type is still found. Unknown ids -> 0x02; short names
 * the topic rules refuse (wildcards, NUL, invalid UTF-8) and the reserved
 * type -> 0x03.
 */
export function resolvePublishTopic(ref: TopicRef, predefined: PredefinedTopics, registry: TopicRegistry | undefined): ResolvedTopic {
  switch (ref.kind) {
    case 'normal':
    case 'predefined': {
      const first = ref.kind === 'normal' ? registry?.nameOf(ref.id) : predefined.nameOf(ref.id);
      const name = first ?? (ref.kind === 'normal' ? predefined.nameOf(ref.id) : registry?.nameOf(ref.id));
      return name === undefined ? { returnCode: ReturnCode.INVALID_TOPIC_ID } : { name };
    }
    case 'short': {
      const reason = checkTopicName(ref.name);
      return reason === undefined ? { name: ref.name } : { returnCode: ReturnCode.NOT_SUPPORTED, reason };
    }
    default:
      return { returnCode: ReturnCode.NOT_SUPPORTED };
  }
}

/** The TopicId field as it appeared on the wire (PUBACK echoes it; a short name's two octets). */
export function rawTopicId(ref: TopicRef): number {
  switch (ref.kind) {
    case 'normal':
    case 'predefined':
      return ref.id;
    case 'short': {
      const bytes = Buffer.from(ref.name, 'utf8');
      return bytes.length >= 2 ? bytes.readUInt16BE(0) : 0;
    }
    case 'reserved':
      return ref.raw.length >= 2 ? ref.raw.readUInt16BE(0) : 0;
    default:
      return 0;
  }
}
