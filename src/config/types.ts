/**
 * The validated, defaulted, deep-frozen configuration every module receives.
 *
 * Key names are the ones users write in JSON (EMQX's names for the MQTT-SN
 * and LwM2M gateways, paho-style names for the upstream client). Durations
 * are written as strings (`"30s"`, `"10m"`, `"2h"`, `"500ms"`) or numbers of
 * seconds in the file and are held here as MILLISECONDS.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type Qos = 0 | 1 | 2;

export interface GatewayConfig {
  readonly log: LogConfig;
  readonly http: HttpConfig;
  readonly upstream: UpstreamConfig;
  readonly mqttsn: MqttSnConfig;
  readonly lwm2m: Lwm2mConfig;
  readonly psk_authentication: PskAuthenticationConfig;
}

export interface LogConfig {
  readonly level: LogLevel;
  /** auto = pretty on a terminal, JSON otherwise. */
  readonly format: 'auto' | 'json' | 'pretty';
  /** Period of the counters log line, ms; 0 = off. */
  readonly stats_interval: number;
}

/** The HTTP listener (API, metrics, health, dashboard). */
export interface HttpConfig {
  /** `host:port`; `""` = no listener. Default `127.0.0.1:18083`. */
  readonly bind: string;
  /** Bearer token; `""` = none. */
  readonly api_key: string;
  /** Basic auth; `""` username = none. */
  readonly username: string;
  readonly password: string;
  /** LwM2M commands over HTTP wait this long for the device, ms. */
  readonly command_timeout: number;
}

// ---------------------------------------------------------------- upstream

export type UpstreamMode = 'transparent' | 'aggregating';

export interface UpstreamConfig {
  /** `transparent`: one broker session per device (default). */
  readonly mode: UpstreamMode;
  /** Used only when `client.server` is empty: the in-process aedes broker. */
  readonly embedded: EmbeddedBrokerConfig;
  readonly client: UpstreamClientConfig;
  /**
   * `mode: aggregating` only. Optional in the type so hand-built configs stay
   * valid; `resolveConfig` always fills it (defaults: 4, 1000, 2 h).
   */
  readonly aggregating?: AggregatingUpstreamConfig | undefined;
}

/** The aggregating mode's knobs (docs/upstream-modes.md). */
export interface AggregatingUpstreamConfig {
  /** External broker: MQTT connections shared by all devices. */
  readonly poolSize: number;
  /** QoS 1/2 messages kept per ended persistent (clean session off) session; the oldest is dropped beyond it. */
  readonly sessionQueueSize: number;
  /** Milliseconds an ended persistent session is kept for its client id to come back. */
  readonly sessionExpiry: number;
}

export interface EmbeddedBrokerConfig {
  /** TCP listener of the embedded broker, `host:port`; `""` disables the TCP listener. Default `0.0.0.0:1883`. */
  readonly bind: string;
}

/** Paho-style MQTT client options (see the MQTT extension configuration spec). */
export interface UpstreamClientConfig {
  /** `""` = no external broker: start the embedded one. Schemes: tcp, mqtt, ssl, tls, tcps, mqtts, ws, wss. */
  readonly server: string;
  /** 3 = MQTT 3.1, 4 = MQTT 3.1.1 (default), 5 = MQTT 5. 0 means 4. */
  readonly protocolVersion: 3 | 4 | 5;
  readonly basicAuth: { readonly username: string; readonly password: string } | undefined;
  readonly tlsConfig: UpstreamTlsConfig | undefined;
  /** Clean session for the gateway's own control connection (default true). Device sessions follow the device. */
  readonly cleanSession: boolean;
  readonly store: { readonly type: 'Memory' | 'File'; readonly directoryPrefix: string };
  /** Seed option: with cleanSession false, re-send stored (un)subscribes on connect. */
  readonly resumeSubs: boolean;
  /** Seed option: in-order delivery per QoS level. Always honoured. */
  readonly order: boolean;
  /** Subscribe/unsubscribe timeout, ms; 0 = none. */
  readonly waitTimeout: number;
  /** Time a clean disconnect may take to flush, ms. */
  readonly disconnectQuiesce: number;
  readonly connectTimeout: number;
  readonly keepAlive: number;
  readonly pingTimeout: number;
  readonly writeTimeout: number;
  readonly autoReconnect: boolean;
  /** Reconnect backoff starts at 1 s and doubles up to this. */
  readonly maxReconnectInterval: number;
  /** Messages held per connection while the broker is unreachable. */
  readonly messageChannelDepth: number;
  readonly httpHeaders: Readonly<Record<string, readonly string[]>>;
}

export interface UpstreamTlsConfig {
  readonly caFilePEM: string | undefined;
  readonly certFilePEM: string | undefined;
  readonly keyFilePEM: string | undefined;
  readonly serverName: string | undefined;
  readonly insecureSkipVerify: boolean;
}

// ---------------------------------------------------------------- listeners

export interface UdpListenerConfig {
  /** `port`, `host:port`, `[v6]:port`. */
  readonly bind: string;
  readonly max_connections: number;
  /** SO_RCVBUF / SO_SNDBUF in bytes. */
  readonly recbuf: number;
  readonly sndbuf: number;
}

export type VerifyMode = 'verify_none' | 'verify_peer';

/** EMQX `dtls_options` (the subset a DTLS 1.2 server uses). */
export interface DtlsOptionsConfig {
  readonly certfile: string | undefined;
  readonly keyfile: string | undefined;
  readonly cacertfile: string | undefined;
  readonly verify: VerifyMode;
  readonly fail_if_no_peer_cert: boolean;
  /** OpenSSL or IANA suite names, comma- or colon-separated. */
  readonly ciphers: string;
  /** ms */
  readonly handshake_timeout: number;
  readonly max_handshakes: number;
  readonly handshake_rate_per_source: number;
}

export interface DtlsListenerConfig extends UdpListenerConfig {
  readonly dtls_options: DtlsOptionsConfig;
}

/** EMQX shape: `listeners.udp.<name>` and `listeners.dtls.<name>`. */
export interface ListenersConfig {
  readonly udp: Readonly<Record<string, UdpListenerConfig>>;
  readonly dtls: Readonly<Record<string, DtlsListenerConfig>>;
}

/** Who may use the plain (unsecured) listeners: names without credentials (`all`), or nobody (`none`). */
export type PlainAccess = 'all' | 'none';

/** EMQX 5 top-level `psk_authentication`. */
export interface PskAuthenticationConfig {
  readonly enable: boolean;
  readonly init_file: string;
  readonly separator: string;
}

// ---------------------------------------------------------------- MQTT-SN

export interface PredefinedTopic {
  /** 1..1024 (ids above 1024 are dynamic, as in EMQX). */
  readonly id: number;
  readonly topic: string;
}

export interface ClientInfoOverride {
  /** Templates; `${clientid}` is replaced by the device's client id. Empty string = not set. */
  readonly username: string;
  readonly password: string;
  readonly clientid: string;
}

export interface MqttSnConfig {
  readonly enable: boolean;
  readonly gateway_id: number;
  /** Periodic ADVERTISE. */
  readonly broadcast: boolean;
  readonly broadcast_address: string;
  readonly broadcast_port: number;
  /** ADVERTISE interval (T_ADV), ms; also the Duration field. */
  readonly advertise_duration: number;
  readonly enable_qos3: boolean;
  readonly predefined: readonly PredefinedTopic[];
  /** Prepended to every topic upstream, stripped downstream. `${clientid}` allowed. */
  readonly mountpoint: string;
  readonly subs_resume: boolean;
  /** A peer that never completes CONNECT is forgotten after this, ms. */
  readonly idle_timeout: number;
  readonly clientinfo_override: ClientInfoOverride;
  readonly listeners: ListenersConfig;
  readonly plain_access: PlainAccess;
  /** T_RETRY, ms. */
  readonly retry_interval: number;
  /** N_RETRY. */
  readonly max_retries: number;
  /** Downlink QoS 1/2 in-flight window per client. */
  readonly max_inflight: number;
  /** Messages buffered per sleeping client; overflow drops the oldest. */
  readonly sleep_buffer_size: number;
  /** Largest MQTT-SN message accepted or sent, bytes (<= 65535). */
  readonly max_message_size: number;
  /** Keepalive supervision = keepalive x this. */
  readonly keepalive_multiplier: number;
  /** How long a clean-session=false session survives a disconnect, ms. */
  readonly session_expiry: number;
}

// ---------------------------------------------------------------- LwM2M

export interface TranslatorConfig {
  readonly topic: string;
  readonly qos: Qos;
}

export interface Lwm2mTranslators {
  readonly command: TranslatorConfig;
  readonly response: TranslatorConfig;
  readonly notify: TranslatorConfig;
  readonly register: TranslatorConfig;
  readonly update: TranslatorConfig;
  /** Not in EMQX: de-registration and lifetime expiry events. */
  readonly deregister: TranslatorConfig;
  /** Not in EMQX: data pushed with the LwM2M 1.1 Send operation; absent = the response translator. */
  readonly send?: TranslatorConfig | undefined;
  /** Not in EMQX: bootstrap server events; absent = the register translator. */
  readonly bootstrap?: TranslatorConfig | undefined;
}

export type AutoObserve = boolean | readonly string[];

export interface Lwm2mConfig {
  readonly enable: boolean;
  readonly xml_dir: string;
  readonly lifetime_min: number;
  readonly lifetime_max: number;
  /** Queue-mode awake window after the device's last message, ms. */
  readonly qmode_time_window: number;
  readonly auto_observe: AutoObserve;
  readonly update_msg_publish_condition: 'always' | 'contains_object_list';
  /** Default `lwm2m/${endpoint_name}/`; `${endpoint_name}`, `${clientid}`, `${username}`, `${peerhost}`. */
  readonly mountpoint: string;
  readonly translators: Lwm2mTranslators;
  /** Accept the LwM2M 1.1 Send operation (POST /dp); false answers 4.04 as EMQX. */
  readonly enable_send: boolean;
  readonly listeners: ListenersConfig;
  readonly plain_access: PlainAccess;
  /** EMQX compatibility only: no per-peer state exists before a Register, so nothing times out. */
  readonly idle_timeout: number;
  /** Downlink requests in flight per device (EMQX: 1). */
  readonly max_inflight: number;
  /** Queued commands per device (queue mode and in-flight backlog). */
  readonly queue_max_size: number;
  /** Queued commands older than this are answered with coap_timeout and dropped, ms. */
  readonly queue_max_age: number;
  /** Extra time after lifetime before a registration expires, ms. */
  readonly lifetime_grace: number;
  /** Largest Register / Update link payload, bytes (also bounds Block1 reassembly). */
  readonly max_link_payload: number;
  /** Most links in one Register / Update payload. */
  readonly max_links: number;
  /** Most registrations from one source IP address; 0 = no limit. */
  readonly max_registrations_per_address: number;
  readonly coap: CoapTransmissionConfig;
  /** Optional in the type so hand-built configs stay valid (= no bootstrap server); resolveConfig always fills it. */
  readonly bootstrap?: Lwm2mBootstrapConfig | undefined;
}

/** The LwM2M bootstrap server (client-initiated bootstrap, LwM2M 1.1 TS §5.2). */
export interface Lwm2mBootstrapConfig {
  /** Absolute path of the per-endpoint configurations (JSON); `""` = no bootstrap server. */
  readonly config_file: string;
  readonly listeners: ListenersConfig;
  /** A sequence not finished this long after its Bootstrap-Request fails, ms. */
  readonly session_timeout: number;
}

/** RFC 7252 §4.8 transmission parameters. */
export interface CoapTransmissionConfig {
  /** ACK_TIMEOUT, ms (default 2000). */
  readonly ack_timeout: number;
  /** ACK_RANDOM_FACTOR (default 1.5). */
  readonly ack_random_factor: number;
  /** MAX_RETRANSMIT (default 4). */
  readonly max_retransmit: number;
  /** Bytes of duplicate-detection and Block1 reassembly state per listener. */
  readonly dedup_memory: number;
}
