import type { JsonObject } from '../bridge/command.js';
import type { ContentEntry } from '../content/types.js';

/** What a Send publishes (not in EMQX): `{"msgType":"send","data":{"content":[{path, value}, ...]}}`. */
export function sendEvent(content: readonly ContentEntry[]): JsonObject {
  return { msgType: 'send', data: { content } };
}
