import { isIPv6 } from 'node:net';
import { parseBind, type BindAddress } from '../transport/bind.js';
import { formatDuration } from './duration.js';
import type { GatewayConfig, ListenersConfig } from './types.js';

/** Problems that involve more than one key; reported like the others. */
export interface CrossProblemSink {
  add(key: string, value: unknown, reason: string): void;
  /** True when `key` (or something under it) already has a problem: skip checks built on it. */
  has(key: string): boolean;
}

export function crossCheck(config: GatewayConfig, problems: CrossProblemSink): void {
  const { lwm2m, mqttsn, upstream } = config;
  if (!problems.has('lwm2m.lifetime_min') && !problems.has('lwm2m.lifetime_max') && lwm2m.lifetime_min > lwm2m.lifetime_max) {
    problems.add('lwm2m.lifetime_min', formatDuration(lwm2m.lifetime_min), `must not exceed lwm2m.lifetime_max (${formatDuration(lwm2m.lifetime_max)})`);
  }
  if (upstream.client.store.type === 'File' && upstream.client.store.directoryPrefix.trim() === '') {
    problems.add('upstream.client.store.directoryPrefix', upstream.client.store.directoryPrefix, 'must not be empty when store.type is "File"');
  }
  for (const [name, section] of [
    ['mqttsn', mqttsn],
    ['lwm2m', lwm2m],
  ] as const) {
    const key = `${name}.listeners.udp`;
    const count = Object.keys(section.listeners.udp).length + Object.keys(section.listeners.dtls).length;
    if (section.enable && !problems.has(key) && count === 0) {
      problems.add(key, section.listeners.udp, `needs at least one listener (udp or dtls) while ${name}.enable is true`);
    }
  }
  const bootstrap = lwm2m.bootstrap;
  if (!lwm2m.enable && bootstrap !== undefined && bootstrap.config_file !== '' && !problems.has('lwm2m.enable')) {
    problems.add(
      'lwm2m.bootstrap.config_file',
      bootstrap.config_file,
      'the bootstrap server is part of the LwM2M gateway: needs lwm2m.enable true (or no config_file)',
    );
  }
  const bootstrapOn = lwm2m.enable && bootstrap !== undefined && bootstrap.config_file !== '';
  const bootstrapListeners = bootstrap === undefined ? 0 : Object.keys(bootstrap.listeners.udp).length + Object.keys(bootstrap.listeners.dtls).length;
  if (bootstrapOn && !problems.has('lwm2m.bootstrap.listeners.udp') && bootstrapListeners === 0) {
    problems.add(
      'lwm2m.bootstrap.listeners.udp',
      bootstrap.listeners.udp,
      'needs at least one listener (udp or dtls) while lwm2m.bootstrap.config_file is set',
    );
  }
  checkBindClashes(
    [
      ...listenerBinds('mqttsn', mqttsn.enable, mqttsn.listeners),
      ...listenerBinds('lwm2m', lwm2m.enable, lwm2m.listeners),
      ...(bootstrapOn ? listenerBinds('lwm2m.bootstrap', true, bootstrap.listeners) : []),
    ],
    problems,
  );
}

interface NamedBind {
  readonly key: string;
  readonly bind: string;
}

function listenerBinds(section: string, enabled: boolean, listeners: ListenersConfig): NamedBind[] {
  if (!enabled) return [];
  return [
    ...Object.entries(listeners.udp).map(([name, listener]) => ({ key: `${section}.listeners.udp.${name}.bind`, bind: listener.bind })),
    ...Object.entries(listeners.dtls).map(([name, listener]) => ({ key: `${section}.listeners.dtls.${name}.bind`, bind: listener.bind })),
  ];
}

/**
 * Two UDP listeners (of either protocol) that cannot both bind are reported
 * here, naming both keys, instead of failing at startup: the same host and
 * port, or an overlap through a wildcard address. Without SO_REUSEADDR (the
 * gateway never sets it) `0.0.0.0:p` takes port p on every IPv4 address, and
 * `[::]:p` (dual-stack) on every address of both families. Port 0 (an
 * ephemeral port) never clashes.
 */
function checkBindClashes(binds: readonly NamedBind[], problems: CrossProblemSink): void {
  const earlier: { readonly key: string; readonly bind: string; readonly parsed: BindAddress }[] = [];
  for (const { key, bind } of binds) {
    if (problems.has(key)) continue;
    const parsed = parseBind(bind);
    if (parsed === undefined || parsed.port === 0) continue;
    const clash = earlier.find((other) => overlaps(other.parsed, parsed));
    if (clash === undefined) {
      earlier.push({ key, bind, parsed });
      continue;
    }
    const same = hostKey(clash.parsed.host) === hostKey(parsed.host);
    problems.add(
      key,
      bind,
      same
        ? `same UDP address as ${clash.key} (${JSON.stringify(clash.bind)})`
        : `overlaps ${clash.key} (${JSON.stringify(clash.bind)}): a wildcard address takes the port on every address, so both cannot bind`,
    );
  }
}

const IPV4_ANY = '0.0.0.0';

/** Literal hosts compared case-insensitively; IPv6 literals in their canonical form. */
function hostKey(host: string): string {
  if (!isIPv6(host)) return host.toLowerCase();
  try {
    return new URL(`udp://[${host}]`).hostname.toLowerCase();
  } catch {
    return host.toLowerCase();
  }
}

function overlaps(a: BindAddress, b: BindAddress): boolean {
  if (a.port !== b.port) return false;
  const hostA = hostKey(a.host);
  const hostB = hostKey(b.host);
  if (hostA === hostB) return true;
  if (hostA === '[::]' || hostB === '[::]') return true; // dual-stack wildcard
  // An IPv4 wildcard overlaps every IPv4 listener (a host name binds an IPv4 socket too).
  if (hostA === IPV4_ANY) return !isIPv6(b.host);
  if (hostB === IPV4_ANY) return !isIPv6(a.host);
  return false;
}
