/**
 * EMQX 5 `gateway.mqttsn` / `gateway.lwm2m` settings -> this gateway's JSON config.
 * Keys with the same name and meaning are copied; every other key is listed with
 * the reason it was not carried over.
 */

export interface Dropped {
  readonly key: string;
  readonly reason: string;
}

export interface Conversion {
  readonly config: { mqttsn?: Record<string, unknown>; lwm2m?: Record<string, unknown>; psk_authentication?: Record<string, unknown> };
  readonly dropped: Dropped[];
}

type Json = Record<string, unknown>;

const SAME_MQTTSN = [
  'enable',
  'gateway_id',
  'broadcast',
  'enable_qos3',
  'subs_resume',
  'predefined',
  'advertise_duration',
  'broadcast_address',
  'broadcast_port',
];
const SAME_LWM2M = ['enable', 'lifetime_min', 'lifetime_max', 'qmode_time_window', 'auto_observe', 'update_msg_publish_condition', 'mountpoint'];
const DURATION_KEYS = new Set(['idle_timeout', 'lifetime_min', 'lifetime_max', 'qmode_time_window', 'advertise_duration']);

/** Shared reasons, so the report reads the same everywhere. */
const REASONS: Record<string, string> = {
  enable_stats: 'statistics are always counted; there is no switch',
  authentication: 'no gateway-side authentication: the broker authenticates each device with the credentials from clientinfo_override',
  enable_authn: 'no gateway-side authentication (see authentication)',
  max_conn_rate: 'no connection-rate limit; max_connections bounds the sessions',
  access_rules: 'no CIDR access rules; filter addresses with a firewall',
  health_check: 'no canned health-check answer on the UDP port',
  active_n: 'Erlang socket tuning with no Node.js equivalent',
  buffer: 'Erlang socket tuning with no Node.js equivalent',
  reuseaddr: 'Erlang socket tuning with no Node.js equivalent',
  read_packets: 'Erlang socket tuning with no Node.js equivalent',
  mountpoint: 'per-listener mountpoints are not supported; set the gateway-wide mountpoint',
  blockwise: 'block-wise transfer is always on (1024-byte blocks, bodies up to 4 MB)',
  versions: 'DTLS 1.2 only (RFC 6347); DTLS 1.0 is not offered',
  depth: 'certificate chains are verified to the CA in cacertfile at any depth OpenSSL allows',
  password: 'encrypted private keys are not supported; give keyfile unencrypted (readable by the gateway only)',
  reuse_sessions: 'session resumption is always on (OpenSSL session cache and tickets)',
  user_lookup_fun: 'PSK identities come from psk_authentication',
  secure_renegotiate: 'renegotiation is never offered',
  hibernate_after: 'Erlang process tuning with no Node.js equivalent',
  gc_after_handshake: 'Erlang process tuning with no Node.js equivalent',
  ocsp: 'no OCSP stapling',
  enable_crl_check: 'no CRL checks',
  log_level: 'TLS handshake failures are logged at debug',
  chunk_size: 'the PSK file is read at once (and again on SIGHUP)',
};

/** EMQX 5 dtls_options keys that mean the same here. */
const SAME_DTLS_OPTIONS = ['certfile', 'keyfile', 'cacertfile', 'verify', 'fail_if_no_peer_cert', 'ciphers', 'handshake_timeout'];

export function convertGateway(gateway: Json, prefix: string): Conversion {
  const dropped: Dropped[] = [];
  const config: Conversion['config'] = {};
  for (const [name, value] of Object.entries(gateway)) {
    if (name === 'mqttsn' && isObject(value)) config.mqttsn = convertMqttSn(value, `${prefix}mqttsn`, dropped);
    else if (name === 'lwm2m' && isObject(value)) config.lwm2m = convertLwm2m(value, `${prefix}lwm2m`, dropped);
    else dropped.push({ key: `${prefix}${name}`, reason: 'only the MQTT-SN and LwM2M gateways are converted' });
  }
  return { config, dropped };
}

function convertMqttSn(source: Json, path: string, dropped: Dropped[]): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(source)) {
    const key = `${path}.${name}`;
    if (SAME_MQTTSN.includes(name)) out[name] = DURATION_KEYS.has(name) ? duration(value) : value;
    else if (name === 'idle_timeout') out.idle_timeout = duration(value);
    else if (name === 'mountpoint') {
      const text = String(value);
      const unsupported = [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).filter((p) => p !== 'clientid');
      if (unsupported.length > 0)
        dropped.push({ key, reason: `placeholder \${${unsupported[0]}} is not supported in the MQTT-SN mountpoint (only \${clientid})` });
      else out.mountpoint = text;
    } else if (name === 'clientinfo_override' && isObject(value)) {
      const override: Json = {};
      for (const [k, v] of Object.entries(value)) {
        if (['username', 'password', 'clientid'].includes(k)) override[k] = String(v);
        else dropped.push({ key: `${key}.${k}`, reason: 'only username, password and clientid can be overridden' });
      }
      out.clientinfo_override = override;
    } else if (name === 'listeners' && isObject(value)) {
      const listeners = convertListeners(value, key, dropped);
      if (listeners !== undefined) out.listeners = listeners;
    } else dropped.push({ key, reason: REASONS[name] ?? 'no such setting here' });
  }
  return out;
}

function convertLwm2m(source: Json, path: string, dropped: Dropped[]): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(source)) {
    const key = `${path}.${name}`;
    if (SAME_LWM2M.includes(name)) out[name] = DURATION_KEYS.has(name) ? duration(value) : value;
    else if (name === 'idle_timeout') out.idle_timeout = duration(value);
    else if (name === 'xml_dir') {
      const dir = String(value);
      // EMQX's own directory (etc/lwm2m_xml) holds the same standard objects as the shipped xml/.
      if (/(^|\/)lwm2m_xml\/?$/.test(dir))
        dropped.push({
          key,
          reason: `"${dir}" is EMQX's own directory; the shipped xml/ (standard objects) is used. Copy your own object XML files into a directory and set lwm2m.xml_dir to it`,
        });
      else out.xml_dir = dir;
    } else if (name === 'translators' && isObject(value)) {
      const translators: Json = {};
      for (const [t, spec] of Object.entries(value)) {
        if (!['command', 'response', 'notify', 'register', 'update'].includes(t) || !isObject(spec)) {
          dropped.push({ key: `${key}.${t}`, reason: 'not an LwM2M translator' });
          continue;
        }
        const translator: Json = {};
        if (spec.topic !== undefined) translator.topic = typeof spec.topic === 'string' ? spec.topic : JSON.stringify(spec.topic);
        if (spec.qos !== undefined) translator.qos = Number(spec.qos);
        translators[t] = translator;
      }
      out.translators = translators;
    } else if (name === 'listeners' && isObject(value)) {
      const listeners = convertListeners(value, key, dropped);
      if (listeners !== undefined) out.listeners = listeners;
    } else dropped.push({ key, reason: REASONS[name] ?? 'no such setting here' });
  }
  return out;
}

function convertListeners(source: Json, path: string, dropped: Dropped[]): Json | undefined {
  const out: Json = {};
  for (const [kind, listeners] of Object.entries(source)) {
    if ((kind !== 'udp' && kind !== 'dtls') || !isObject(listeners)) {
      dropped.push({ key: `${path}.${kind}`, reason: `${kind} listeners are not supported (UDP and DTLS only)` });
      continue;
    }
    const converted: Json = {};
    for (const [listenerName, listener] of Object.entries(listeners)) {
      if (!isObject(listener)) continue;
      const entry = convertListener(listener, `${path}.${kind}.${listenerName}`, dropped);
      if (entry !== undefined) converted[listenerName] = entry;
    }
    if (Object.keys(converted).length > 0) out[kind] = converted;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** One UDP or DTLS listener; undefined when it is disabled or has no bind. */
function convertListener(listener: Json, key: string, dropped: Dropped[]): Json | undefined {
  const entry: Json = {};
  let disabled = false;
  for (const [name, value] of Object.entries(listener)) {
    if (name === 'bind') entry.bind = String(value);
    else if (name === 'max_connections') entry.max_connections = Number(value);
    else if (name === 'udp_options' && isObject(value)) {
      for (const [opt, v] of Object.entries(value)) {
        if (opt === 'recbuf' || opt === 'sndbuf') entry[opt] = v;
        else dropped.push({ key: `${key}.udp_options.${opt}`, reason: REASONS[opt] ?? 'no such socket option here' });
      }
    } else if (name === 'dtls_options' && isObject(value)) {
      entry.dtls_options = convertDtlsOptions(value, `${key}.dtls_options`, dropped);
    } else if (name === 'enable' && value === false) {
      dropped.push({ key, reason: 'a disabled listener is left out' });
      disabled = true;
    } else if (name !== 'enable') dropped.push({ key: `${key}.${name}`, reason: REASONS[name] ?? 'no such listener setting here' });
  }
  return disabled || entry.bind === undefined ? undefined : entry;
}

/** EMQX 5 `dtls_options`: files, verification and ciphers carry over; OTP-only settings are listed. */
function convertDtlsOptions(source: Json, path: string, dropped: Dropped[]): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(source)) {
    const key = `${path}.${name}`;
    if (name === 'versions') {
      const offered = Array.isArray(value) ? value : [value];
      const reason = offered.includes('dtlsv1.2')
        ? (REASONS.versions ?? '')
        : 'the listener offered only DTLS 1.0; here it offers DTLS 1.2 (RFC 6347), so its clients must support 1.2';
      dropped.push({ key, reason });
    } else if (!SAME_DTLS_OPTIONS.includes(name)) {
      dropped.push({ key, reason: REASONS[name] ?? 'no such DTLS setting here' });
    } else if (typeof value === 'string' && value.includes('${')) {
      // EMQX's defaults point into its own install (${EMQX_ETC_DIR}/certs/...): its bundled test certificate.
      dropped.push({ key, reason: `"${value}" names a file in EMQX's installation; give the path of your own file` });
    } else if (name === 'handshake_timeout') {
      out.handshake_timeout = duration(value);
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** EMQX 5 `psk_authentication` (top level): the file format is the same (identity, separator, secret as text). */
export function convertPskAuthentication(source: Json, path: string): Conversion {
  const dropped: Dropped[] = [];
  const out: Json = {};
  for (const [name, value] of Object.entries(source)) {
    if (name === 'enable') out.enable = value === true || value === 'true';
    else if (name === 'init_file' || name === 'separator') out[name] = String(value);
    else dropped.push({ key: `${path}.${name}`, reason: REASONS[name] ?? 'no such setting here' });
  }
  return { config: { psk_authentication: out }, dropped };
}

/** EMQX 5 durations: "30s", "15m", "1h"; a bare integer is milliseconds (HOCON duration). */
function duration(value: unknown): unknown {
  if (typeof value === 'number') return `${value}ms`;
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
