import { isIP } from 'node:net';
import { checkTopicFilter as checkTopicFilterRule, checkTopicName as checkTopicNameRule } from '../topics/topic-rules.js';
import { parseBind } from '../transport/bind.js';
import { parsePath, formatPath } from '../lwm2m/path.js';
import { isPlainObject, type ProblemSink } from './spec.js';

/** Schemes accepted in `upstream.client.server` (paho names plus MQTT.js names). */
export const SERVER_SCHEMES = ['tcp', 'mqtt', 'ssl', 'tls', 'tcps', 'mqtts', 'ws', 'wss'] as const;

/** `""` (embedded broker) or `scheme://host[:port][/path]`. */
export function checkServerUrl(value: string): string | undefined {
  if (value === '') return undefined;
  const allowed = `"" (embedded broker) or scheme://host:port with scheme one of ${SERVER_SCHEMES.join(', ')}`;
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (match === null) return `expected ${allowed}`;
  const scheme = (match[1] ?? '').toLowerCase();
  if (!(SERVER_SCHEMES as readonly string[]).includes(scheme)) return `unsupported scheme "${scheme}"; expected ${allowed}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a valid URL; expected ${allowed}`;
  }
  if (url.hostname === '') return `missing host; expected ${allowed}`;
  return undefined;
}

/** A UDP/TCP bind as `parseBind` understands it: `port`, `host:port`, `[v6]:port`. */
export function checkBind(value: string): string | undefined {
  return parseBind(value) === undefined ? 'expected "port", "host:port" or "[ipv6]:port" with port 0..65535' : undefined;
}

/** `""` disables; otherwise a bind. */
export function checkOptionalBind(value: string): string | undefined {
  return value === '' ? undefined : checkBind(value);
}

export function checkIpAddress(value: string): string | undefined {
  return isIP(value) === 0 ? 'expected an IPv4 or IPv6 address' : undefined;
}

export function checkNonEmpty(value: string): string | undefined {
  return value.trim() === '' ? 'must not be empty' : undefined;
}

/** MQTT 3.1.1 §4.7: the rules of src/topics/topic-rules.ts, phrased for a config problem. */
export function checkTopicName(value: string): string | undefined {
  const problem = checkTopicNameRule(value);
  return problem === undefined ? undefined : `topic name ${problem}`;
}

/** MQTT 3.1.1 §4.7.1 (EMQX 5 configs use `dn/#` for the command translator). */
export function checkTopicFilter(value: string): string | undefined {
  const problem = checkTopicFilterRule(value);
  return problem === undefined ? undefined : `topic filter ${problem}`;
}

/** A topic prefix: may be empty, never a wildcard. */
export function checkMountpoint(value: string): string | undefined {
  return /[+#]/.test(value) ? 'must not contain the wildcards "+" or "#"' : undefined;
}

/**
 * `mqttsn.predefined`: `[{ "id": 1..1024, "topic": "..." }]`. Ids above 1024
 * are handed out dynamically (as in EMQX); ids and topics must be unique.
 * MQTT-SN v1.2 §5.3.4 (Flags: TopicIdType 01 = pre-defined topic id).
 */
/** One `mqttsn.predefined` entry. */
export interface PredefinedTopic {
  /** 1..1024 (ids above 1024 are dynamic, as in EMQX). */
  readonly id: number;
  readonly topic: string;
}

export function parsePredefined(value: unknown, key: string, problems: ProblemSink): readonly PredefinedTopic[] {
  if (!Array.isArray(value)) {
    problems.add(key, value, 'expected a list of { "id": 1..1024, "topic": "name" }');
    return [];
  }
  const out: { id: number; topic: string }[] = [];
  const ids = new Map<number, number>();
  const topics = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const itemKey = `${key}[${index}]`;
    if (!isPlainObject(item)) {
      problems.add(itemKey, item, 'expected { "id": 1..1024, "topic": "name" }');
      return;
    }
    let ok = true;
    for (const extra of Object.keys(item)) {
      if (extra !== 'id' && extra !== 'topic') {
        problems.add(`${itemKey}.${extra}`, item[extra], 'unknown key (known keys: id, topic)');
        ok = false;
      }
    }
    const { id, topic } = item;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 1024) {
      problems.add(`${itemKey}.id`, id, 'expected an integer from 1 to 1024');
      ok = false;
    } else if (ids.has(id)) {
      problems.add(`${itemKey}.id`, id, `duplicate id; already used by ${key}[${ids.get(id) ?? 0}]`);
      ok = false;
    }
    const topicReason = typeof topic === 'string' ? checkTopicName(topic) : 'expected a string';
    if (topicReason !== undefined) {
      problems.add(`${itemKey}.topic`, topic, topicReason);
      ok = false;
    } else if (typeof topic === 'string' && topics.has(topic)) {
      problems.add(`${itemKey}.topic`, topic, `duplicate topic; already predefined by ${key}[${topics.get(topic) ?? 0}]`);
      ok = false;
    }
    if (typeof id === 'number') ids.set(id, ids.get(id) ?? index);
    if (typeof topic === 'string') topics.set(topic, topics.get(topic) ?? index);
    if (ok && typeof id === 'number' && typeof topic === 'string') out.push({ id, topic });
  });
  return out;
}

/**
 * `lwm2m.auto_observe`: `true`/`false`/`"on"`/`"off"`, a list of paths, or a
 * comma-separated string of paths. Normalised to `boolean | string[]` with
 * paths in `/oid[/iid[/rid]]` form.
 */
export function parseAutoObserve(value: unknown, key: string, problems: ProblemSink): boolean | readonly string[] {
  if (typeof value === 'boolean') return value;
  const allowed = 'expected true, false, "on", "off", a list of paths like "/3/0/1", or a comma-separated string of paths';
  let items: unknown[];
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'on' || text === 'true') return true;
    if (text === 'off' || text === 'false' || text === '') return false;
    items = text.split(',').map((s) => s.trim());
  } else if (Array.isArray(value)) {
    items = value;
  } else {
    problems.add(key, value, allowed);
    return false;
  }
  const paths: string[] = [];
  items.forEach((item, index) => {
    const itemKey = Array.isArray(value) ? `${key}[${index}]` : key;
    if (typeof item !== 'string') {
      problems.add(itemKey, item, 'expected a path string like "/3/0/1"');
      return;
    }
    try {
      const path = formatPath(parsePath(item));
      if (!paths.includes(path)) paths.push(path);
    } catch {
      problems.add(itemKey, item, 'expected an LwM2M path like "/3/0" or "/3/0/1"');
    }
  });
  return paths;
}

/** `httpHeaders`: `{ "Name": ["v1", "v2"] }`; a single string value is taken as a one-element list. */
export function parseHttpHeaders(value: unknown, key: string, problems: ProblemSink): Readonly<Record<string, readonly string[]>> {
  if (!isPlainObject(value)) {
    problems.add(key, value, 'expected an object of header name -> list of strings');
    return {};
  }
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(value)) {
    const list = typeof values === 'string' ? [values] : values;
    if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) {
      problems.add(`${key}.${name}`, values, 'expected a string or a list of strings');
      continue;
    }
    out[name] = [...list];
  }
  return out;
}

/**
 * `dtls_options.ciphers`: EMQX takes a comma-separated string or a list of
 * suite names (OpenSSL or IANA spelling); held as one comma-separated string.
 */
export function parseCipherList(value: unknown, key: string, problems: ProblemSink): string {
  const allowed = 'expected a comma-separated string or a list of cipher suite names';
  let names: unknown[];
  if (typeof value === 'string') names = value.split(',');
  else if (Array.isArray(value)) names = value;
  else {
    problems.add(key, value, allowed);
    return '';
  }
  const out: string[] = [];
  names.forEach((name, index) => {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_:\-+!@=. ]*$/.test(name)) {
      problems.add(Array.isArray(value) ? `${key}[${index}]` : key, name, 'a cipher suite name such as "PSK-AES128-CCM8" or "TLS_PSK_WITH_AES_128_CCM_8"');
      return;
    }
    if (name.trim() !== '') out.push(name.trim());
  });
  if (out.length === 0 && names.length > 0) problems.add(key, value, 'at least one cipher suite');
  return out.join(',');
}
