import type { IClientOptions } from 'mqtt';
import type { UpstreamClientConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

/** MQTT.js transport protocols we connect with. */
export type ClientProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** Paho-style scheme -> MQTT.js protocol (see the MQTT extension configuration). */
const SCHEMES: Readonly<Record<string, ClientProtocol>> = {
  tcp: 'mqtt',
  mqtt: 'mqtt',
  ssl: 'mqtts',
  tls: 'mqtts',
  tcps: 'mqtts',
  mqtts: 'mqtts',
  ws: 'ws',
  wss: 'wss',
};

/** setTimeout's largest delay; stands for "never" where MQTT.js has no off switch. */
const NEVER_MS = 2_147_483_647;

/** What the session layer enforces itself (MQTT.js has no option for it). */
export interface SessionPolicy {
  /** Publish not acknowledged within this rejects with TimeoutError; 0 = never. */
  readonly writeTimeoutMs: number;
  /** PINGRESP not received within this after PINGREQ drops the connection; 0 = keepalive rules alone. */
  readonly pingTimeoutMs: number;
  /** Unacknowledged publishes allowed while the broker is unreachable. */
  readonly messageChannelDepth: number;
  /** SUBACK / UNSUBACK not received within this rejects with TimeoutError; 0 = never. */
  readonly waitTimeoutMs: number;
  /** How long a clean end waits for in-flight publishes before dropping the connection. */
  readonly disconnectQuiesceMs: number;
  /** Reconnect with backoff 1 s doubling up to this; undefined = no reconnect. */
  readonly maxReconnectIntervalMs: number | undefined;
  /** `File`: outgoing/incoming QoS 1/2 state kept under this directory; undefined = in memory. */
  readonly fileStoreDirectory: string | undefined;
}

export interface MappedClientOptions {
  /** Normalised URL for MQTT.js `connect()` (scheme mapped, rest unchanged). */
  readonly brokerUrl: string;
  readonly protocol: ClientProtocol;
  /** Options shared by every session; per-session fields (clientId, will, ...) are added by the session. */
  readonly options: Readonly<IClientOptions>;
  readonly policy: SessionPolicy;
}

/** `tcp://host:1883` -> `{ protocol: 'mqtt', url: 'mqtt://host:1883' }`; throws ConfigError. */
export function normaliseServerUrl(server: string): { protocol: ClientProtocol; url: string } {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.+)$/.exec(server.trim());
  const protocol = match === null ? undefined : SCHEMES[(match[1] ?? '').toLowerCase()];
  if (match === null || protocol === undefined) {
    throw new ConfigError([
      {
        key: 'upstream.client.server',
        value: server,
        reason: 'must be scheme://host:port with scheme tcp, mqtt, ssl, tls, tcps, mqtts, ws or wss',
      },
    ]);
  }
  return { protocol, url: `${protocol}://${match[2] ?? ''}` };
}

/** The server URL for logs: any `user:password@` removed. */
export function describeServer(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');
}

/** MQTT.js `protocolId` / `protocolVersion` for the paho `protocolVersion` (0 and 4 = MQTT 3.1.1). */
export function protocolFields(version: number): Pick<IClientOptions, 'protocolId' | 'protocolVersion'> {
  if (version === 3) return { protocolId: 'MQIsdp', protocolVersion: 3 }; // MQTT 3.1
  if (version === 5) return { protocolId: 'MQTT', protocolVersion: 5 };
  return { protocolId: 'MQTT', protocolVersion: 4 }; // MQTT 3.1.1
}

/** Paho keepAlive (ms, 0 = off) -> MQTT keepalive seconds (rounded up so 500 ms stays on). */
export function keepAliveSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.min(65_535, Math.ceil(ms / 1000));
}

/** paho `httpHeaders` (map of lists) -> Node request headers. */
export function headersOf(httpHeaders: Readonly<Record<string, readonly string[]>>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(httpHeaders)) {
    if (values.length === 0) continue;
    headers[name] = values.length === 1 ? values[0] : [...values];
  }
  return headers;
}

/**
 * Maps the paho-style upstream client configuration to MQTT.js options.
 *
 * - `keepAlive` is the link keepalive; MQTT.js pings after it and gives up
 *   1.5 x keepAlive after the last packet, which is a ping timeout of
 *   keepAlive / 2. A shorter `pingTimeout` is enforced by the session (policy).
 * - `writeTimeout`, `messageChannelDepth` and the reconnect backoff have no
 *   MQTT.js option: they are returned as the session policy.
 * - `cleanSession` is for the gateway's own connection; device sessions
 *   carry the device's clean flag.
 * - `resumeSubs`: subscriptions are restored by the session after every
 *   reconnect that finds no session on the broker; (un)subscribe packets are
 *   not persisted, so there is nothing more to resume. `order` is always
 *   honoured (one connection per session, MQTT.js keeps order).
 */
export function mapClientOptions(config: UpstreamClientConfig): MappedClientOptions {
  const { protocol, url } = normaliseServerUrl(config.server);
  const options: IClientOptions = {
    ...protocolFields(config.protocolVersion),
    connectTimeout: config.connectTimeout > 0 ? Math.min(config.connectTimeout, NEVER_MS) : NEVER_MS,
    keepalive: keepAliveSeconds(config.keepAlive),
    // The backoff (1 s doubling) adjusts this between attempts; 0 disables reconnecting.
    reconnectPeriod: config.autoReconnect ? 1000 : 0,
    // Subscriptions are tracked and restored by the session (see upstream-session.ts).
    resubscribe: false,
    queueQoSZero: true,
  };
  if (config.basicAuth !== undefined && config.basicAuth.username !== '') {
    options.username = config.basicAuth.username;
    options.password = config.basicAuth.password;
  }
  const tls = config.tlsConfig;
  const tlsOptions: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'> = {};
  if (tls !== undefined) {
    if (tls.caFilePEM !== undefined && tls.caFilePEM !== '') tlsOptions.ca = tls.caFilePEM;
    if (tls.certFilePEM !== undefined && tls.certFilePEM !== '') tlsOptions.cert = tls.certFilePEM;
    if (tls.keyFilePEM !== undefined && tls.keyFilePEM !== '') tlsOptions.key = tls.keyFilePEM;
    if (tls.serverName !== undefined && tls.serverName !== '') tlsOptions.servername = tls.serverName; // RFC 6066 §3 SNI
    tlsOptions.rejectUnauthorized = !tls.insecureSkipVerify;
  }
  if (protocol === 'mqtts') Object.assign(options, tlsOptions);
  if (protocol === 'ws' || protocol === 'wss') {
    const headers = headersOf(config.httpHeaders);
    const wsOptions: Record<string, unknown> = {};
    if (Object.keys(headers).length > 0) wsOptions['headers'] = headers;
    // MQTT.js copies ca/cert/key/rejectUnauthorized for wss but not servername: pass all explicitly.
    if (protocol === 'wss') Object.assign(wsOptions, tlsOptions);
    options.wsOptions = wsOptions;
  }
  return {
    brokerUrl: url,
    protocol,
    options,
    policy: sessionPolicyOf(config, true),
  };
}

/**
 * The session policy for the configuration. In-process sessions to the
 * embedded broker never reconnect, never queue offline and use no store
 * (`external` false); the timeouts apply to both.
 */
export function sessionPolicyOf(config: UpstreamClientConfig, external: boolean): SessionPolicy {
  return {
    writeTimeoutMs: Math.max(0, config.writeTimeout),
    pingTimeoutMs: external ? Math.max(0, config.pingTimeout) : 0,
    messageChannelDepth: external ? Math.max(0, config.messageChannelDepth) : 0,
    waitTimeoutMs: Math.max(0, config.waitTimeout),
    disconnectQuiesceMs: Math.max(0, config.disconnectQuiesce),
    maxReconnectIntervalMs: external && config.autoReconnect ? Math.max(0, config.maxReconnectInterval) : undefined,
    fileStoreDirectory: external && config.store.type === 'File' ? config.store.directoryPrefix : undefined,
  };
}
