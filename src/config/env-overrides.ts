import { gatewaySchema } from './schema.js';
import { childKey, isPlainObject, type ObjectSpec, type Spec } from './spec.js';

/** How an environment variable's text becomes a config value. */
/** `choice`: one of a fixed set of words; empty = not set (unlike a free string). */
export type EnvValueKind = 'string' | 'choice' | 'boolean' | 'integer' | 'number' | 'binds';

export interface EnvOverride {
  readonly name: string;
  /** Dotted config key it sets. */
  readonly key: string;
  readonly kind: EnvValueKind;
  readonly description: string;
}

/** `upstream.client.maxReconnectInterval` -> `GATEWAY_UPSTREAM_CLIENT_MAX_RECONNECT_INTERVAL`. */
export function envNameOf(key: string): string {
  return `GATEWAY_${key
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_'))
    .join('_')
    .toUpperCase()}`;
}

/**
 * One variable per configurable key of the schema, named after its key path
 * (`envNameOf`): every scalar key, and the listener maps as comma-separated
 * binds. Keys whose value is a structure of its own (predefined topics,
 * auto_observe lists, HTTP headers, the default listener entries) are set in
 * the file.
 */
function derivedOverrides(spec: ObjectSpec, prefix: string): EnvOverride[] {
  const out: EnvOverride[] = [];
  for (const [name, field] of Object.entries(spec.fields)) {
    const key = childKey(prefix, name);
    const kind = envKindOf(field);
    if (field.kind === 'object') out.push(...derivedOverrides(field, key));
    else if (kind !== undefined) out.push({ name: envNameOf(key), key, kind, description: envDescription(field, kind) });
  }
  return out;
}

function envKindOf(spec: Spec): EnvValueKind | undefined {
  switch (spec.kind) {
    case 'boolean':
      return 'boolean';
    case 'integer':
      return 'integer';
    case 'number':
    case 'duration':
    case 'bytes':
      return 'number';
    case 'choice':
      return spec.values.every((v) => typeof v === 'number') ? 'integer' : 'choice';
    case 'string':
      return spec.oneOf === undefined ? 'string' : 'choice';
    case 'map':
      return spec.entry.fields['bind'] !== undefined ? 'binds' : undefined;
    default:
      return undefined;
  }
}

function envDescription(spec: Spec, kind: EnvValueKind): string {
  if (kind === 'binds') return 'comma-separated binds; replaces the listeners with `default`, `default_2`, ...';
  if (kind === 'boolean') return 'true/false (also 1/0, on/off, yes/no)';
  if (spec.kind === 'string' && spec.oneOf !== undefined) return spec.oneOf.join(', ');
  if (spec.kind === 'choice') return spec.values.join(', ');
  if (spec.kind === 'duration') return 'duration ("30s", "10m") or seconds';
  if (spec.kind === 'bytes') return 'bytes or "4MB"-style size';
  return kind;
}

/** Shorter names kept from earlier releases (documented; the derived names work too). */
const SHORT_NAMES: readonly (readonly [name: string, key: string])[] = [
  ['GATEWAY_UPSTREAM_SERVER', 'upstream.client.server'],
  ['GATEWAY_UPSTREAM_USERNAME', 'upstream.client.basicAuth.username'],
  ['GATEWAY_UPSTREAM_PASSWORD', 'upstream.client.basicAuth.password'],
  ['GATEWAY_EMBEDDED_BIND', 'upstream.embedded.bind'],
  ['GATEWAY_MQTTSN_BIND', 'mqttsn.listeners.udp'],
  ['GATEWAY_LWM2M_BIND', 'lwm2m.listeners.udp'],
  ['GATEWAY_XML_DIR', 'lwm2m.xml_dir'],
  ['GATEWAY_BOOTSTRAP_CONFIG_FILE', 'lwm2m.bootstrap.config_file'],
  ['GATEWAY_BOOTSTRAP_BIND', 'lwm2m.bootstrap.listeners.udp'],
];

function buildOverrides(): EnvOverride[] {
  const derived = derivedOverrides(gatewaySchema, '');
  const aliases = SHORT_NAMES.flatMap(([name, key]) => {
    const target = derived.find((o) => o.key === key);
    return target === undefined ? [] : [{ ...target, name, description: `short name of ${target.name}` }];
  });
  return [...derived, ...aliases];
}

/**
 * Environment overrides, applied on top of the file and validated with it.
 * Empty values are ignored for all but string variables; for string
 * variables `""` is a value (e.g. GATEWAY_UPSTREAM_SERVER="" selects the
 * embedded broker). When a derived name and its short name are both set, the
 * short name (listed later) wins.
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = buildOverrides();

export interface EnvApplied {
  /** A copy of the raw config with the overrides set. */
  readonly raw: unknown;
  /** Dotted key -> `environment variable NAME`, for problem messages. */
  readonly origins: ReadonlyMap<string, string>;
}

/** Sets each present variable's value at its key in a copy of `raw`; validation happens later, with the rest. */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): EnvApplied {
  const origins = new Map<string, string>();
  if (!isPlainObject(raw)) return { raw, origins };
  const out = structuredClone(raw);
  for (const override of ENV_OVERRIDES) {
    const text = env[override.name];
    if (text === undefined) continue;
    if (text.trim() === '' && override.kind !== 'string') continue;
    if (setAt(out, override.key.split('.'), convert(override.kind, text))) {
      origins.set(override.key, `environment variable ${override.name}`);
    }
  }
  return { raw: out, origins };
}

function convert(kind: EnvValueKind, text: string): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case 'string':
      return text;
    case 'choice':
      return trimmed;
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', '1', 'on', 'yes'].includes(lower)) return true;
      if (['false', '0', 'off', 'no'].includes(lower)) return false;
      return text; // left as text: the validator reports "expected true or false"
    }
    case 'integer':
      return /^-?\d+$/.test(trimmed) ? Number(trimmed) : text;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
    case 'binds': {
      const listeners: Record<string, { bind: string }> = {};
      trimmed.split(',').forEach((bind, index) => {
        listeners[index === 0 ? 'default' : `default_${index + 1}`] = { bind: bind.trim() };
      });
      return listeners;
    }
  }
}

/** Returns false (and changes nothing) when a parent on the way is present but not an object. */
function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      return false;
    }
  }
  node[path[path.length - 1]] = value;
  return true;
}
