import {
  checkBind,
  checkIpAddress,
  checkMountpoint,
  checkNonEmpty,
  checkOptionalBind,
  checkServerUrl,
  checkTopicName,
  checkTopicFilter,
  parseAutoObserve,
  parseCipherList,
  parseHttpHeaders,
  parsePredefined,
} from './field-checks.js';
import { resolve as resolvePath } from 'node:path';
import { resolveFromPackageRoot } from './package-root.js';
import type {
  BooleanSpec,
  ByteSizeSpec,
  ChoiceSpec,
  DurationSpec,
  IntegerSpec,
  MapSpec,
  NumberSpec,
  ObjectSpec,
  Spec,
  StringSpec,
  ValueOf,
} from './spec.js';

/**
 * The one description of every GatewayConfig key: type, default (as written
 * in JSON), allowed values and a one-line meaning. `resolve.ts` validates
 * against it, `docs.ts` renders docs/configuration.md from it, and
 * config/gateway.example.json is its default document.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
/** Node timers overflow above 2^31-1 ms (~24.8 days); no duration may exceed this. */
export const MAX_DURATION_MS = 24 * DAY;

type Rest<S> = Omit<S, 'kind' | 'default' | 'description'>;

const bool = (def: boolean, description: string): BooleanSpec => ({ kind: 'boolean', default: def, description });
const int = (def: number, min: number, max: number, description: string): IntegerSpec => ({ kind: 'integer', default: def, min, max, description });
const num = (def: number, min: number, max: number, description: string): NumberSpec => ({ kind: 'number', default: def, min, max, description });
const str = <D extends string | undefined, Req extends boolean = false>(
  def: D,
  description: string,
  rest: Rest<StringSpec> & { readonly required?: Req } = {},
): StringSpec & { readonly default: D } & (Req extends true ? { readonly required: true } : unknown) =>
  ({ kind: 'string', default: def, description, ...rest }) as StringSpec & { readonly default: D } & (Req extends true ? { readonly required: true } : unknown);
const oneOf = <const V extends readonly string[]>(def: V[number], values: V, description: string): StringSpec & { readonly oneOf: V } => ({
  kind: 'string',
  default: def,
  oneOf: values,
  description,
});
const dur = (def: string, description: string, min = 0, max = MAX_DURATION_MS): DurationSpec => ({ kind: 'duration', default: def, min, max, description });
const bytes = (def: number | string, description: string): ByteSizeSpec => ({ kind: 'bytes', default: def, min: 1024, max: 1024 ** 3, description });
const obj = <const F extends Record<string, Spec>, const R extends Pick<ObjectSpec, 'aliases' | 'optional'> = Record<never, never>>(
  description: string,
  fields: F,
  rest: R = {} as R,
): ObjectSpec & { readonly fields: F } & R => ({ kind: 'object', description, fields, ...rest });
const qos = {
  kind: 'choice',
  default: 0,
  values: [0, 1, 2],
  description: 'MQTT QoS used when publishing on / subscribing to this topic',
} as const satisfies ChoiceSpec;

/**
 * 64 MiB: a burst of 100,000 small datagrams from 100 devices (about 800 bytes of kernel
 * accounting each) outruns one JavaScript thread; the socket must hold most of it. The
 * kernel caps the request at net.core.rmem_max and the transport then warns at startup
 * with the exact sysctl.
 */
const DEFAULT_RECBUF = '64MB';

function listeners(
  protocol: string,
  port: number,
  maxConnections = { default: 102_400, description: 'most peers (sessions) this listener serves at once; further peers are refused' },
) {
  const entry = obj(`one ${protocol} UDP listener`, {
    bind: str(undefined, 'address to bind: "port", "host:port" or "[ipv6]:port"', { required: true, fromNumber: true, check: checkBind }),
    max_connections: int(maxConnections.default, 1, 10_000_000, maxConnections.description),
    recbuf: bytes(DEFAULT_RECBUF, 'socket receive buffer (SO_RCVBUF), bytes or "4MB"-style; above net.core.rmem_max the kernel caps it and a warning names the sysctl'),
    sndbuf: bytes('4MB', 'socket send buffer (SO_SNDBUF), bytes or "4MB"-style'),
    io: oneOf(
      'auto',
      ['auto', 'batched', 'dgram'],
      'socket I/O: batched = up to 64 datagrams per system call (recvmmsg / sendmmsg, Linux, the native addon built by npm ci), dgram = node:dgram (one call per datagram), auto = batched where available',
    ),
  });
  const udp = {
    kind: 'map',
    entry,
    nameLabel: '<name>',
    default: { default: { bind: `0.0.0.0:${port}`, max_connections: maxConnections.default, recbuf: DEFAULT_RECBUF, sndbuf: '4MB', io: 'auto' } },
    description: `UDP listeners by name; a map given in the config replaces the default one (e.g. bind only "[::]:${port}")`,
  } as const satisfies MapSpec;
  const dtlsEntry = obj(`one ${protocol} DTLS 1.2 listener (docs/security.md)`, {
    ...entry.fields,
    bind: str(`0.0.0.0:${port + 1}`, 'address to bind: "port", "host:port" or "[ipv6]:port"', { fromNumber: true, check: checkBind }),
    max_connections: int(102_400, 1, 10_000_000, 'most DTLS sessions (established and in handshake) this listener holds; further handshakes are refused'),
    dtls_options: obj('DTLS settings (EMQX dtls_options)', {
      certfile: str(undefined, 'PEM server certificate (chain) for the X.509 suites; absent = PSK only'),
      keyfile: str(undefined, 'PEM private key of certfile', { secret: true }),
      cacertfile: str(undefined, 'PEM CA certificate(s) that verify client certificates'),
      verify: oneOf('verify_none', ['verify_none', 'verify_peer'], 'verify_peer: ask for a client certificate and verify it against cacertfile'),
      fail_if_no_peer_cert: bool(false, 'with verify_peer: refuse clients that send no certificate (else they may still use PSK)'),
      ciphers: {
        kind: 'custom',
        typeLabel: 'string | string[]',
        default: DEFAULT_DTLS_CIPHERS,
        parse: parseCipherList,
        description: 'cipher suites in preference order, OpenSSL or IANA names, comma-separated or a list; LwM2M mandates PSK-AES128-CCM8 and ECDHE-ECDSA-AES128-CCM8',
      },
      handshake_timeout: dur('15s', 'a handshake not complete within this is dropped', 100, 10 * MINUTE),
      max_handshakes: int(1000, 1, 1_000_000, 'handshakes in progress at once (state exists only after the cookie round trip)'),
      handshake_rate_per_source: int(10, 0, 1_000_000, 'handshakes one source IP may start per second (burst twice that); 0 = no limit'),
      stale_session_timeout: dur(
        '30m',
        'on a full listener (max_connections), a new handshake replaces the session heard from least recently if it has been quiet this long (a device gone, or back from a new address after NAT rebinding)',
        SECOND,
      ),
    }),
  });
  const dtls = {
    kind: 'map',
    entry: dtlsEntry,
    nameLabel: '<name>',
    default: {},
    description: `DTLS listeners by name (coaps / MQTT-SN over DTLS); none by default, e.g. {"default": {}} binds 0.0.0.0:${port + 1}`,
  } as const satisfies MapSpec;
  return obj(`${protocol} listeners (EMQX shape)`, { udp, dtls });
}

/** RFC 7925 / LwM2M mandatory suites first (CCM_8), then the CBC and GCM ones LwM2M 1.0 servers also offer. */
export const DEFAULT_DTLS_CIPHERS = 'PSK-AES128-CCM8,PSK-AES128-CBC-SHA256,ECDHE-ECDSA-AES128-CCM8,ECDHE-ECDSA-AES128-GCM-SHA256';

const plainAccess = (what: string) =>
  oneOf('all', ['all', 'none'], `who may use the plain UDP listeners: "all" = every ${what} that has no PSK credentials, "none" = nobody (secured listeners only)`);

function translator(topic: string, description: string, filter = false) {
  return obj(description, {
    topic: filter
      ? str(topic, 'topic filter, relative to lwm2m.mountpoint; wildcards allowed (EMQX 5: "dn/#")', { check: checkTopicFilter })
      : str(topic, 'topic, relative to lwm2m.mountpoint', { check: checkTopicName }),
    qos,
  });
}

const log = obj('logging', {
  level: oneOf('info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'log level (pino); payloads are logged at debug/trace only'),
  format: oneOf('auto', ['auto', 'json', 'pretty'], 'auto = readable lines when stdout is a terminal, else one JSON object per line'),
  stats_interval: dur('0s', 'log the main counters (sessions, registrations, datagrams, drops) at info this often; 0 = off'),
});

const http = obj('HTTP listener: REST API (EMQX 5 shape), /metrics, /health, /ready and the dashboard (docs/operations.md)', {
  bind: str('127.0.0.1:18083', 'TCP address of the HTTP listener, "host:port"; "" = no HTTP listener', { check: checkOptionalBind }),
  api_key: str('', 'API key accepted as "Authorization: Bearer <key>"; "" = none', { secret: true }),
  username: str('', 'basic-auth user name; "" = no basic auth'),
  password: str('', 'basic-auth password (with username)', { secret: true }),
  command_timeout: dur('30s', 'how long an LwM2M command issued over HTTP waits for the device before 504', 100),
});

const upstreamClient = obj('paho-style client options for an external broker', {
  server: str('', 'broker URL, e.g. "mqtt://broker:1883"; "" starts the embedded broker instead', { check: checkServerUrl }),
  protocolVersion: {
    kind: 'choice',
    default: 4,
    values: [0, 3, 4, 5],
    normalize: (v) => (v === 0 ? 4 : (v as 3 | 4 | 5)),
    description: '3 = MQTT 3.1, 4 = MQTT 3.1.1, 5 = MQTT 5; 0 means 4',
  },
  basicAuth: obj(
    'username/password for the broker; absent = none',
    {
      username: str('', 'username sent in CONNECT'),
      password: str('', 'password sent in CONNECT', { secret: true }),
    },
    { optional: true, aliases: { passsword: 'password' } },
  ),
  tlsConfig: obj(
    'TLS options for ssl/tls/tcps/mqtts/wss servers; absent = system defaults',
    {
      caFilePEM: str(undefined, 'PEM text of the CA certificate(s) that verify the broker, or the path of a PEM file (read at startup)'),
      certFilePEM: str(undefined, 'PEM text of the client certificate, or the path of a PEM file'),
      keyFilePEM: str(undefined, 'PEM text of the client private key, or the path of a PEM file', { secret: true }),
      serverName: str(undefined, 'TLS SNI server name (RFC 6066 §3); default the URL host'),
      insecureSkipVerify: bool(false, 'do not verify the broker certificate (testing only)'),
    },
    { optional: true },
  ),
  cleanSession: bool(true, "clean-session flag of the gateway's own control connection (device sessions follow the device)"),
  store: obj(
    'where in-flight QoS 1/2 messages are kept',
    {
      type: oneOf('Memory', ['Memory', 'File'], 'Memory or File'),
      directoryPrefix: str('./data/mqtt-store', 'directory for the File store (relative to the working directory)'),
    },
    { aliases: { direcotryPrefix: 'directoryPrefix' } },
  ),
  resumeSubs: bool(false, 'with cleanSession false: re-send stored (un)subscribes when connecting (not on reconnect)'),
  order: bool(true, 'deliver messages in order within each QoS level (always honoured; false is accepted for paho compatibility)'),
  waitTimeout: dur('0s', 'how long a subscribe/unsubscribe may wait for the broker; 0 = no limit'),
  disconnectQuiesce: dur('5s', 'how long a clean disconnect may take to flush in-flight work'),
  connectTimeout: dur('30s', 'how long a broker connection attempt may take; 0 = no limit'),
  keepAlive: dur('30s', 'MQTT keep alive of gateway connections; 0 = off (MQTT 3.1.1 §3.1.2.10: at most 65535 s)', 0, 65_535 * SECOND),
  pingTimeout: dur('10s', 'how long to wait for PINGRESP before the connection is considered lost'),
  writeTimeout: dur('30s', 'how long a publish may wait for the broker; 0 = no limit'),
  autoReconnect: bool(true, 'reconnect to the broker after a connection loss'),
  connectRetry: bool(
    true,
    'at startup, wait for an external broker that is not reachable yet (reconnect backoff, one warning per attempt); false = startup fails at the first failed attempt (paho ConnectRetry)',
  ),
  maxReconnectInterval: dur('10m', 'reconnect backoff starts at 1 s and doubles up to this', SECOND),
  messageChannelDepth: int(100, 0, 1_000_000, 'messages held per connection while the broker is unreachable'),
  httpHeaders: {
    kind: 'custom',
    typeLabel: 'object of string[]',
    default: {},
    parse: parseHttpHeaders,
    description: 'extra HTTP headers for the WebSocket handshake (ws/wss)',
  },
}, { aliases: { connectionTime: 'connectTimeout' } });

const upstream = obj('the MQTT broker side', {
  mode: oneOf(
    'auto',
    ['auto', 'transparent', 'aggregating'],
    'auto = aggregating for the embedded broker (direct in-process path), transparent for an external one; transparent = one broker session per device; aggregating = no session per device: direct calls into the embedded broker, or a small shared connection pool to an external one (docs/upstream.md)',
  ),
  embedded: obj('the in-process aedes broker, used when upstream.client.server is ""', {
    bind: str('0.0.0.0:1883', 'TCP listener of the embedded broker, "host:port"; "" = no TCP listener', { check: checkOptionalBind }),
  }),
  client: upstreamClient,
  aggregating: obj('upstream.mode aggregating only (docs/upstream.md)', {
    poolSize: int(4, 1, 64, 'external broker: MQTT connections shared by all devices'),
    sessionQueueSize: int(1000, 0, 1_000_000, 'QoS 1/2 messages kept per ended persistent session (clean session off); the oldest is dropped beyond it'),
    sessionExpiry: dur('2h', 'how long an ended persistent session waits for its client id to come back', 1),
  }),
});

const mqttsn = obj('MQTT-SN v1.2 gateway (EMQX gateway.mqttsn keys)', {
  enable: bool(true, 'run the MQTT-SN gateway'),
  gateway_id: int(1, 0, 255, 'GwId sent in ADVERTISE and GWINFO (MQTT-SN v1.2 §5.4.2, §5.4.4)'),
  broadcast: bool(false, 'send ADVERTISE periodically to broadcast_address:broadcast_port'),
  broadcast_address: str('255.255.255.255', 'destination address of ADVERTISE', { check: checkIpAddress }),
  broadcast_port: int(1884, 1, 65_535, 'destination UDP port of ADVERTISE'),
  advertise_duration: dur('15m', 'ADVERTISE interval T_ADV, also its Duration field (MQTT-SN v1.2 §5.4.2: 2 octets of seconds)', SECOND, 65_535 * SECOND),
  enable_qos3: bool(true, 'accept QoS -1 PUBLISH from clients that are not connected (MQTT-SN v1.2 §6.8)'),
  predefined: {
    kind: 'custom',
    typeLabel: 'list of {id, topic}',
    default: [],
    parse: parsePredefined,
    description: 'predefined topics: ids 1..1024 (unique), topic names without wildcards',
  },
  mountpoint: str('', 'prefix added to every topic upstream and stripped downstream; "${clientid}" allowed', { check: checkMountpoint }),
  subs_resume: bool(false, 'REGISTER the subscribed topics again to a client that resumes its session'),
  idle_timeout: dur('30s', 'a peer that never completes CONNECT is forgotten after this', 10),
  clientinfo_override: obj('credentials presented upstream for MQTT-SN clients (MQTT-SN has none); templates, "" = not set', {
    username: str('', 'username template, e.g. "${clientid}"'),
    password: str('', 'password template', { secret: true }),
    clientid: str('', 'client id template'),
  }),
  listeners: listeners('MQTT-SN', 1884),
  plain_access: plainAccess('client id'),
  retry_interval: dur('10s', 'T_RETRY: wait before retransmitting an unacknowledged message (MQTT-SN v1.2 §6.13)', 10),
  max_retries: int(4, 0, 100, 'N_RETRY: retransmissions before the client is considered lost (MQTT-SN v1.2 §6.13)'),
  max_inflight: int(1, 1, 65_535, 'downlink QoS 1/2 messages in flight per client'),
  sleep_buffer_size: int(1000, 0, 1_000_000, 'messages buffered per sleeping client; overflow drops the oldest (MQTT-SN v1.2 §6.14)'),
  max_message_size: int(65_535, 16, 65_535, 'largest MQTT-SN message accepted or sent, bytes (MQTT-SN v1.2 §5.2.1)'),
  keepalive_multiplier: num(1.5, 1, 100, 'a client is lost after keepalive x this without traffic'),
  session_expiry: dur('2h', 'how long a clean-session=false session survives a disconnect'),
});

const lwm2m = obj('LwM2M 1.0/1.1 gateway (EMQX gateway.lwm2m keys)', {
  enable: bool(true, 'run the LwM2M gateway'),
  xml_dir: str('xml', 'directory of object definition XML files; relative paths are resolved against the package root', {
    check: checkNonEmpty,
    convert: resolveFromPackageRoot,
  }),
  lifetime_min: dur('15s', 'smallest registration lifetime accepted (registration lt parameter)', SECOND),
  lifetime_max: dur('86400s', 'largest registration lifetime accepted; also used for lt=0', SECOND),
  qmode_time_window: dur('22s', 'queue mode: how long a device stays reachable after its last message'),
  auto_observe: {
    kind: 'custom',
    typeLabel: 'boolean | string[] | string',
    default: false,
    parse: parseAutoObserve,
    description: 'observe after register: true/"on" = every object instance, false/"off" = none, or a list / comma string of paths',
  },
  update_msg_publish_condition: oneOf('always', ['always', 'contains_object_list'], 'publish update events always, or only when the Update carries an object list'),
  mountpoint: str('lwm2m/${endpoint_name}/', 'topic prefix; ${endpoint_name}, ${clientid}, ${username}, ${peerhost} allowed', { check: checkMountpoint }),
  translators: obj('MQTT topics of the LwM2M gateway (relative to mountpoint)', {
    command: translator('command', 'downlink commands are received on this topic (a filter: the gateway subscribes to it)', true),
    response: translator('response', 'command responses are published here'),
    notify: translator('response', 'observe notifications are published here'),
    register: translator('response', 'register events are published here'),
    update: translator('response', 'update events are published here'),
    deregister: translator('response', 'de-registration and lifetime-expiry events are published here (not in EMQX)'),
    send: { ...translator('response', 'data devices push with the LwM2M 1.1 Send operation (POST /dp) is published here; absent = the response translator (not in EMQX)'), optional: true },
    bootstrap: {
      ...translator('response', 'bootstrap-request / bootstrap-finished / bootstrap-failed events of the bootstrap server are published here; absent = the register translator (not in EMQX)'),
      optional: true,
    },
  }),
  enable_send: bool(true, 'accept the LwM2M 1.1 Send operation (POST /dp) from registered devices; false answers it with 4.04, as EMQX (not in EMQX)'),
  listeners: listeners('LwM2M', 5683),
  plain_access: plainAccess('endpoint name'),
  idle_timeout: dur('30s', 'accepted for EMQX compatibility; no effect: no per-peer state exists before a successful Register', 10),
  max_inflight: int(1, 1, 65_535, 'downlink requests in flight per device (EMQX: 1)'),
  queue_max_size: int(100, 0, 1_000_000, 'queued downlink commands per device (queue mode and in-flight backlog)'),
  queue_max_age: dur('1h', 'queued commands older than this are answered with coap_timeout and dropped'),
  lifetime_grace: dur('10s', 'extra time after a registration lifetime before it expires (covers a late Update)'),
  max_link_payload: bytes('16KB', 'largest Register / Update link-format payload (also the Block1 reassembly bound); larger is answered 4.13'),
  max_links: int(1024, 1, 1_000_000, 'most links in one Register / Update payload; more is answered 4.00'),
  max_registrations_per_address: int(0, 0, 10_000_000, 'most registrations from one source IP address (0 = no limit; devices behind one NAT share an address); more is answered 5.03'),
  coap: obj('CoAP transmission parameters (RFC 7252 §4.8)', {
    ack_timeout: dur('2s', 'ACK_TIMEOUT: initial retransmission timeout of confirmable messages', 10, MINUTE),
    ack_random_factor: num(1.5, 1, 10, 'ACK_RANDOM_FACTOR (must not be below 1.0)'),
    max_retransmit: int(4, 0, 20, 'MAX_RETRANSMIT'),
    dedup_memory: bytes('32MB', 'memory per listener for duplicate detection (RFC 7252 §4.5), and as much again for Block1 reassembly; the oldest entries go first beyond it'),
  }),
  bootstrap: obj('LwM2M bootstrap server (client-initiated bootstrap, LwM2M 1.1 TS §5.2; not in EMQX); runs only when config_file is set', {
    config_file: str('', 'JSON file of per-endpoint bootstrap configurations (docs/bootstrap.md); "" = no bootstrap server', {
      convert: (value) => (value === '' ? value : resolvePath(value)),
    }),
    listeners: listeners('LwM2M bootstrap', 5685, {
      default: 1000,
      description: 'most bootstrap sequences under way at once through this listener; beyond it the oldest sequence whose peer never answered makes room, else the request is answered 5.03',
    }),
    session_timeout: dur('2m', 'a bootstrap sequence not finished this long after its Bootstrap-Request fails (bootstrap-failed, reason session_timeout)', SECOND),
  }),
});

const pskAuthentication = obj('pre-shared keys for the DTLS listeners (EMQX 5 psk_authentication; docs/security.md)', {
  enable: bool(false, 'load the keys of init_file'),
  init_file: str('', 'file of "identity<separator>secret" lines; a secret written 0x... is hex, else its UTF-8 bytes; re-read on SIGHUP'),
  separator: str(':', 'separator between identity and secret (the first one on a line splits)', { check: checkNonEmpty }),
});

export const gatewaySchema = obj('gateway configuration', { log, http, upstream, mqttsn, lwm2m, psk_authentication: pskAuthentication });

/** The resolved configuration: derived from the schema above (see `ValueOf`). */
export type SchemaConfig = ValueOf<typeof gatewaySchema>;

/** The sections rendered as separate tables in the configuration reference. */
export const SCHEMA_SECTIONS = ['log', 'http', 'upstream', 'mqttsn', 'lwm2m', 'psk_authentication'] as const;
