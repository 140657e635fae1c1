import { isPlainObject } from './spec.js';

/** How an environment variable's text becomes a config value. */
/** `choice`: one of a fixed set of words; empty = not set (unlike a free string). */
export type EnvValueKind = 'string' | 'choice' | 'boolean' | 'integer' | 'binds';

export interface EnvOverride {
  readonly name: string;
  /** Dotted config key it sets. */
  readonly key: string;
  readonly kind: EnvValueKind;
  readonly description: string;
}

/**
 * Environment overrides, applied on top of the file and validated with it.
 * Empty values are ignored for choice, boolean, integer and bind variables; for
 * string variables `""` is a value (e.g. GATEWAY_UPSTREAM_SERVER="" selects
 * the embedded broker).
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { name: 'GATEWAY_LOG_LEVEL', key: 'log.level', kind: 'choice', description: 'log level' },
  { name: 'GATEWAY_LOG_FORMAT', key: 'log.format', kind: 'choice', description: 'auto, json or pretty' },
  { name: 'GATEWAY_HTTP_BIND', key: 'http.bind', kind: 'string', description: 'HTTP listener "host:port" ("" = none)' },
  { name: 'GATEWAY_HTTP_API_KEY', key: 'http.api_key', kind: 'string', description: 'API key for "Authorization: Bearer"' },
  { name: 'GATEWAY_UPSTREAM_MODE', key: 'upstream.mode', kind: 'choice', description: 'transparent or aggregating' },
  { name: 'GATEWAY_UPSTREAM_SERVER', key: 'upstream.client.server', kind: 'string', description: 'external broker URL ("" = embedded broker)' },
  { name: 'GATEWAY_UPSTREAM_USERNAME', key: 'upstream.client.basicAuth.username', kind: 'string', description: 'broker username' },
  { name: 'GATEWAY_UPSTREAM_PASSWORD', key: 'upstream.client.basicAuth.password', kind: 'string', description: 'broker password' },
  { name: 'GATEWAY_EMBEDDED_BIND', key: 'upstream.embedded.bind', kind: 'string', description: 'TCP bind of the embedded broker ("" = none)' },
  { name: 'GATEWAY_MQTTSN_ENABLE', key: 'mqttsn.enable', kind: 'boolean', description: 'true/false (also 1/0, on/off, yes/no)' },
  { name: 'GATEWAY_MQTTSN_BIND', key: 'mqttsn.listeners.udp', kind: 'binds', description: 'comma-separated binds; replaces the MQTT-SN listeners with `default`, `default_2`, ...' },
  { name: 'GATEWAY_MQTTSN_GATEWAY_ID', key: 'mqttsn.gateway_id', kind: 'integer', description: 'MQTT-SN gateway id 0..255' },
  { name: 'GATEWAY_LWM2M_ENABLE', key: 'lwm2m.enable', kind: 'boolean', description: 'true/false (also 1/0, on/off, yes/no)' },
  { name: 'GATEWAY_LWM2M_BIND', key: 'lwm2m.listeners.udp', kind: 'binds', description: 'comma-separated binds; replaces the LwM2M listeners with `default`, `default_2`, ...' },
  { name: 'GATEWAY_XML_DIR', key: 'lwm2m.xml_dir', kind: 'string', description: 'object XML directory (relative = to the package root)' },
  { name: 'GATEWAY_BOOTSTRAP_CONFIG_FILE', key: 'lwm2m.bootstrap.config_file', kind: 'string', description: 'LwM2M bootstrap configuration file ("" = no bootstrap server)' },
  { name: 'GATEWAY_BOOTSTRAP_BIND', key: 'lwm2m.bootstrap.listeners.udp', kind: 'binds', description: 'comma-separated binds; replaces the LwM2M bootstrap listeners with `default`, `default_2`, ...' },
];

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
  node[path[path.length - 1] as string] = value;
  return true;
}
