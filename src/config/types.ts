/**
 * The validated, defaulted, deep-frozen configuration every module receives,
 * derived from the one schema (`schema.ts`; key meanings and defaults are
 * there and in the generated configuration reference).
 *
 * Key names are the ones users write in JSON (EMQX's names for the MQTT-SN
 * and LwM2M gateways, paho-style names for the upstream client). Durations
 * are written as strings (`"30s"`, `"10m"`, `"2h"`, `"500ms"`) or numbers of
 * seconds in the file and are held here as MILLISECONDS; sizes as bytes.
 */
import type { SchemaConfig } from './schema.js';

export type { PredefinedTopic } from './field-checks.js';

export type GatewayConfig = SchemaConfig;

export type LogConfig = GatewayConfig['log'];
export type LogLevel = LogConfig['level'];
export type Qos = 0 | 1 | 2;

// ---------------------------------------------------------------- upstream

export type UpstreamConfig = GatewayConfig['upstream'];
/** What the configuration says: `auto` picks one of the two concrete modes (see `effectiveUpstreamMode`). */
export type UpstreamMode = UpstreamConfig['mode'];
/** The mode a running upstream has: `auto` resolved. */
export type EffectiveUpstreamMode = Exclude<UpstreamMode, 'auto'>;
/** The aggregating mode's knobs (docs/upstream.md). */
export type AggregatingUpstreamConfig = UpstreamConfig['aggregating'];
export type EmbeddedBrokerConfig = UpstreamConfig['embedded'];
/** Paho-style MQTT client options (see the MQTT extension configuration spec). */
export type UpstreamClientConfig = UpstreamConfig['client'];
export type UpstreamTlsConfig = NonNullable<UpstreamClientConfig['tlsConfig']>;

// ---------------------------------------------------------------- listeners

/** EMQX shape: `listeners.udp.<name>`. */
export type ListenersConfig = MqttSnConfig['listeners'];
export type UdpListenerConfig = ListenersConfig['udp'][string];
export type DtlsListenerConfig = ListenersConfig['dtls'][string];
/** EMQX `dtls_options` (the subset a DTLS 1.2 server uses). */
export type DtlsOptionsConfig = DtlsListenerConfig['dtls_options'];
export type VerifyMode = DtlsOptionsConfig['verify'];
/** Who may use the plain (unsecured) listeners: names without credentials (`all`), or nobody (`none`). */
export type PlainAccess = MqttSnConfig['plain_access'];
/** EMQX 5 top-level `psk_authentication`. */
export type PskAuthenticationConfig = GatewayConfig['psk_authentication'];

// ---------------------------------------------------------------- MQTT-SN

export type MqttSnConfig = GatewayConfig['mqttsn'];
export type ClientInfoOverride = MqttSnConfig['clientinfo_override'];

// ---------------------------------------------------------------- LwM2M

export type Lwm2mConfig = GatewayConfig['lwm2m'];
export type Lwm2mTranslators = Lwm2mConfig['translators'];
export type TranslatorConfig = Lwm2mTranslators['command'];
export type AutoObserve = Lwm2mConfig['auto_observe'];
/** The LwM2M bootstrap server (client-initiated bootstrap, LwM2M 1.1 TS §5.2). */
export type Lwm2mBootstrapConfig = NonNullable<Lwm2mConfig['bootstrap']>;

/** RFC 7252 §4.8 transmission parameters. */
export type CoapTransmissionConfig = Lwm2mConfig['coap'];

// ---------------------------------------------------------------- HTTP

/** The HTTP listener (API, metrics, health, dashboard). */
export type HttpConfig = GatewayConfig['http'];
