/**
 * MQTT topic rules in one place (MQTT 3.1.1 §1.5.3, §4.7), and the rule for a
 * name that a device supplies and the gateway turns into part of a topic
 * (an LwM2M endpoint name, an MQTT-SN client id filled into a mountpoint).
 *
 * Every check returns `undefined` when the value is acceptable, or a short
 * reason (for debug logs and config errors) when it is not.
 */

/** MQTT 3.1.1 §1.5.3: a UTF-8 encoded string is at most 65,535 bytes. */
export const MAX_TOPIC_BYTES = 65_535;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes bytes as UTF-8, or returns undefined when they are not well-formed
 * UTF-8 (MQTT 3.1.1 §1.5.3-1: ill-formed strings, including encoded
 * surrogates, are a protocol violation). `Buffer#toString` would replace them
 * with U+FFFD silently.
 */
export function decodeStrictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** U+0000..U+001F and U+007F..U+009F (MQTT 3.1.1 §1.5.3-2 forbids U+0000; the rest has no place in a name). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane): MQTT 3.1.1
 * §1.5.3-2 says they SHOULD NOT appear and a receiver MAY close the connection; mosquitto does,
 * which on a shared upstream connection would cut off every device using it.
 */
const NONCHARACTER =
  /[\ufdd0-\ufdef\ufffe\uffff]|[\ud83f\ud87f\ud8bf\ud8ff\ud93f\ud97f\ud9bf\ud9ff\uda3f\uda7f\udabf\udaff\udb3f\udb7f\udbbf\udbff][\udffe\udfff]/;
/** Lone surrogates: a JS string can hold them, UTF-8 cannot (§1.5.3-1). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkCommon(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.includes('\u0000')) return 'contains NUL';
  if (LONE_SURROGATE.test(value)) return 'is not valid UTF-8';
  if (NONCHARACTER.test(value)) return 'contains a Unicode noncharacter';
  if (Buffer.byteLength(value, 'utf8') > MAX_TOPIC_BYTES) return `is longer than ${MAX_TOPIC_BYTES} bytes`;
  return undefined;
}

/**
 * MQTT 3.1.1 §4.7.3, §3.3.2-2: a topic name is non-empty, valid UTF-8, without NUL or wildcards;
 * nor control characters or noncharacters (§1.5.3-2: SHOULD NOT; brokers such as mosquitto close
 * the connection that carries them).
 */
export function checkTopicName(topic: string): string | undefined {
  const common = checkCommon(topic);
  if (common !== undefined) return common;
  if (CONTROL_CHARACTER.test(topic)) return 'contains a control character';
  if (topic.includes('+') || topic.includes('#')) return 'contains a wildcard ("+" or "#")';
  return undefined;
}

/** MQTT 3.1.1 §4.7.1: `#` only as the whole last level, `+` only as a whole level; no control characters (§1.5.3-2). */
export function checkTopicFilter(filter: string): string | undefined {
  const common = checkCommon(filter);
  if (common !== undefined) return common;
  if (CONTROL_CHARACTER.test(filter)) return 'contains a control character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i += 1) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '"+" must be a whole level';
  }
  return undefined;
}

export function isValidTopicName(topic: string): boolean {
  return checkTopicName(topic) === undefined;
}

export function isValidTopicFilter(filter: string): boolean {
  return checkTopicFilter(filter) === undefined;
}

/**
 * A name a device supplies that becomes one topic level (or more, where a
 * template places it): it must keep the topic structure the operator wrote.
 * Refused: empty, NUL and other control characters, invalid UTF-8, the
 * wildcards `+` and `#`, the level separator `/` (a client id `a/b` would
 * otherwise publish into client `a`'s subtree), and a leading `$` (MQTT 3.1.1
 * §4.7.2 reserves `$` topics for the broker).
 */
export function checkDeviceSuppliedName(name: string): string | undefined {
  const common = checkCommon(name);
  if (common !== undefined) return common;
  if (CONTROL_CHARACTER.test(name)) return 'contains a control character';
  if (name.includes('+') || name.includes('#')) return 'contains a wildcard ("+" or "#")';
  if (name.includes('/')) return 'contains the topic level separator "/"';
  if (name.startsWith('$')) return 'starts with "$" (reserved for broker topics)';
  return undefined;
}
