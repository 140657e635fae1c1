import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Lwm2mGateway } from '../lwm2m/gateway.js';
import { MsgType } from '../mqttsn/codec/constants.js';
import type { MqttSnGateway } from '../mqttsn/gateway.js';
import { SessionState } from '../mqttsn/session-state.js';
import { DtlsEndpoint } from '../transport/dtls/dtls-endpoint.js';
import type { DatagramTransport } from '../transport/types.js';
import type { UpstreamConnector } from '../upstream/types.js';
import type { GatewayActivity } from '../http/activity.js';
import { COMMAND_OUTCOMES, LATENCY_BUCKETS } from './command-latency.js';

/** Every metric carries this prefix (Prometheus naming: one application prefix). */
export const METRIC_PREFIX = 'snlw_';

export interface MetricSources {
  readonly version: string;
  readonly mqttsn: MqttSnGateway | undefined;
  readonly lwm2m: Lwm2mGateway | undefined;
  readonly upstream: UpstreamConnector;
  readonly activity: GatewayActivity;
}

type LabelValues = Record<string, string>;
interface ListenerRef {
  readonly protocol: 'mqttsn' | 'lwm2m';
  readonly listener: string;
  readonly transport: 'udp' | 'dtls';
  readonly udp: DatagramTransport;
}

/** MsgType names of MQTT-SN v1.2 §5.2.2, for the msg_type label (created at 0). */
const SN_TYPES = Object.entries(MsgType) as [string, number][];

/**
 * The Prometheus registry of the gateway. Nothing is counted through
 * prom-client on the packet path: the protocol code keeps plain integer
 * fields, and each metric's `collect` copies them when /metrics is scraped.
 */
export function createGatewayMetrics(src: MetricSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const p = METRIC_PREFIX;

  const listeners = (): ListenerRef[] => [
    ...(src.mqttsn?.listeners ?? []).map((l) => ({ protocol: 'mqttsn' as const, listener: l.name, transport: l.kind, udp: l.endpoint })),
    ...(src.lwm2m?.listeners ?? []).map((l) => ({ protocol: 'lwm2m' as const, listener: l.name, transport: l.kind, udp: l.udp })),
  ];

  /** A counter whose value is copied from plain fields at scrape time. */
  const counter = (name: string, help: string, labelNames: readonly string[], read: () => [LabelValues, number][]): void => {
    new Counter({
      name: `${p}${name}`,
      help,
      labelNames,
      registers,
      collect(this: Counter) {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: readonly string[], read: () => [LabelValues, number][]): void => {
    new Gauge({
      name: `${p}${name}`,
      help,
      labelNames,
      registers,
      collect(this: Gauge) {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  };

  new Gauge({ name: `${p}build_info`, help: 'Gateway version; always 1', labelNames: ['version'], registers }).set({ version: src.version }, 1);

  // ---------------------------------------------------------------- UDP, both protocols
  const perListener = (field: 'datagramsIn' | 'datagramsOut' | 'bytesIn' | 'bytesOut') => (): [LabelValues, number][] =>
    listeners().map((l) => [{ protocol: l.protocol, transport: l.transport, listener: l.listener }, l.udp.counters?.[field] ?? 0]);
  counter(
    'udp_datagrams_received_total',
    'UDP datagrams received, per protocol and listener',
    ['protocol', 'transport', 'listener'],
    perListener('datagramsIn'),
  );
  counter('udp_datagrams_sent_total', 'UDP datagrams sent, per protocol and listener', ['protocol', 'transport', 'listener'], perListener('datagramsOut'));
  counter('udp_received_bytes_total', 'UDP payload bytes received, per protocol and listener', ['protocol', 'transport', 'listener'], perListener('bytesIn'));
  counter('udp_sent_bytes_total', 'UDP payload bytes sent, per protocol and listener', ['protocol', 'transport', 'listener'], perListener('bytesOut'));
  /** DTLS listeners: handshake outcomes (RFC 6347 §4.2), copied from the endpoint's plain counters. */
  const dtlsListeners = (): (ListenerRef & { readonly udp: DtlsEndpoint })[] =>
    listeners().flatMap((l) => (l.udp instanceof DtlsEndpoint ? [{ ...l, udp: l.udp }] : []));
  const DTLS_RESULTS = [
    ['completed', 'handshakesCompleted'],
    ['failed', 'handshakesFailed'],
    ['timeout', 'handshakeTimeouts'],
    ['rate_limited', 'rateLimited'],
    ['over_capacity', 'overCapacity'],
  ] as const;
  counter('dtls_handshakes_started_total', 'DTLS handshakes started after a valid cookie, per protocol and listener', ['protocol', 'listener'], () =>
    dtlsListeners().map((l) => [{ protocol: l.protocol, listener: l.listener }, l.udp.stats.handshakesStarted]),
  );
  counter(
    'dtls_handshakes_total',
    'DTLS handshakes by outcome (completed, failed, timeout) and ClientHellos refused (rate_limited, over_capacity)',
    ['protocol', 'listener', 'result'],
    () =>
      dtlsListeners().flatMap((l) =>
        DTLS_RESULTS.map(([result, field]): [LabelValues, number] => [{ protocol: l.protocol, listener: l.listener, result }, l.udp.stats[field]]),
      ),
  );
  counter(
    'dtls_stale_sessions_dropped_total',
    'Established DTLS sessions, quiet for stale_session_timeout, dropped to make room on a full listener, per protocol and listener',
    ['protocol', 'listener'],
    () => dtlsListeners().map((l) => [{ protocol: l.protocol, listener: l.listener }, l.udp.stats.staleEvictions]),
  );
  counter('dtls_hello_verify_requests_total', 'HelloVerifyRequests sent (stateless cookie exchange), per protocol and listener', ['protocol', 'listener'], () =>
    dtlsListeners().map((l) => [{ protocol: l.protocol, listener: l.listener }, l.udp.stats.helloVerifyRequests]),
  );
  counter('udp_send_errors_total', 'UDP sends the kernel refused, per protocol and listener', ['protocol', 'transport', 'listener'], () =>
    listeners().map((l) => [{ protocol: l.protocol, transport: l.transport, listener: l.listener }, l.udp.sendErrors]),
  );

  // ---------------------------------------------------------------- MQTT-SN
  const sn = src.mqttsn;
  if (sn !== undefined) {
    const stats = sn.stats;
    counter('mqttsn_packets_received_total', 'MQTT-SN packets received, by MsgType (MQTT-SN v1.2 §5.2.2)', ['msg_type'], () =>
      SN_TYPES.map(([name, value]) => [{ msg_type: name }, stats.inByType[value] ?? 0]),
    );
    counter('mqttsn_packets_sent_total', 'MQTT-SN packets sent, by MsgType', ['msg_type'], () =>
      SN_TYPES.map(([name, value]) => [{ msg_type: name }, stats.outByType[value] ?? 0]),
    );
    counter('mqttsn_datagrams_dropped_total', 'MQTT-SN input or output dropped, by reason', ['reason'], () => [
      [{ reason: 'malformed' }, stats.malformed],
      [{ reason: 'oversize' }, stats.oversize],
      [{ reason: 'unexpected' }, stats.unexpected],
      [{ reason: 'no_room' }, stats.dropped],
      [{ reason: 'sleep_buffer_overflow' }, stats.sleepBufferOverflow],
    ]);
    counter('mqttsn_retransmissions_total', 'Downlink retransmissions (PUBLISH DUP, PUBREL, REGISTER; MQTT-SN v1.2 §6.13)', [], () => [
      [{}, stats.retransmissions],
    ]);
    counter('mqttsn_clients_lost_total', 'Clients declared lost (keepalive, sleep or retries exhausted)', [], () => [[{}, stats.lost]]);
    counter('mqttsn_wills_published_total', 'Wills the gateway published for lost clients', [], () => [[{}, stats.willsPublished]]);
    const states = [SessionState.Active, SessionState.Asleep, SessionState.Awake, SessionState.Disconnected] as const;
    gauge('mqttsn_sessions', 'MQTT-SN sessions by state (disconnected = kept for a clean-session-off client)', ['state'], () => {
      const counts = new Map<string, number>(states.map((s) => [s, 0]));
      for (const session of sn.table.values()) counts.set(session.state, (counts.get(session.state) ?? 0) + 1);
      return [...counts].filter(([state]) => (states as readonly string[]).includes(state)).map(([state, n]) => [{ state }, n]);
    });
    gauge('mqttsn_buffered_messages', 'Downlink messages waiting for MQTT-SN clients (asleep, window full)', [], () => {
      let n = 0;
      for (const session of sn.table.values()) n += session.pendingCount;
      return [[{}, n]];
    });
    gauge('mqttsn_inflight_messages', 'Downlink QoS 1/2 messages awaiting acknowledgement', [], () => {
      let n = 0;
      for (const session of sn.table.values()) n += session.inflightCount;
      return [[{}, n]];
    });
    gauge('mqttsn_predefined_topics', 'Predefined topic ids in force', [], () => [[{}, sn.predefined.list().length]]);
  }

  // ---------------------------------------------------------------- LwM2M
  const lw = src.lwm2m;
  if (lw !== undefined) {
    const coapTotal = (field: 'malformed' | 'badOptions' | 'badBlocks' | 'duplicates' | 'retransmissions' | 'timeouts') => (): [LabelValues, number][] =>
      lw.listeners.map((l) => [{ listener: l.name }, l.coap.stats[field]]);
    counter('lwm2m_coap_malformed_total', 'CoAP datagrams that could not be parsed (RFC 7252 §4.2: silently ignored)', ['listener'], coapTotal('malformed'));
    counter(
      'lwm2m_coap_bad_options_total',
      'CoAP requests refused for an unrecognised critical option (RFC 7252 §5.4.1: 4.02)',
      ['listener'],
      coapTotal('badOptions'),
    );
    counter('lwm2m_coap_bad_blocks_total', 'CoAP requests refused for a bad Block option (RFC 7959)', ['listener'], coapTotal('badBlocks'));
    counter('lwm2m_coap_duplicates_total', 'Duplicate CoAP messages answered from the dedup cache (RFC 7252 §4.5)', ['listener'], coapTotal('duplicates'));
    counter('lwm2m_coap_retransmissions_total', 'Confirmable requests retransmitted (RFC 7252 §4.2)', ['listener'], coapTotal('retransmissions'));
    counter('lwm2m_coap_timeouts_total', 'Requests that got no answer after MAX_RETRANSMIT', ['listener'], coapTotal('timeouts'));
    gauge('lwm2m_registrations', 'Registered LwM2M devices', [], () => [[{}, lw.store.size]]);
    gauge('lwm2m_queue_mode_devices', 'Registered devices in queue mode (sleeping between exchanges)', [], () => {
      let n = 0;
      for (const reg of lw.store.values()) if (reg.queueMode) n += 1;
      return [[{}, n]];
    });
    gauge('lwm2m_queued_commands', 'Downlink commands waiting in device queues', [], () => {
      let n = 0;
      for (const reg of lw.store.values()) n += reg.queue?.length ?? 0;
      return [[{}, n]];
    });
    gauge('lwm2m_observations', 'Active observations (RFC 7641)', [], () => [[{}, lw.bridge.observationCount]]);
    const c = src.activity.lwm2mCounters;
    counter('lwm2m_registration_events_total', 'Registration interface events (LwM2M 1.1 TS §6.2)', ['event'], () => [
      [{ event: 'register' }, c.registrations],
      [{ event: 'update' }, c.updates],
      [{ event: 'deregister' }, c.deregistrations],
      [{ event: 'expired' }, c.expirations],
    ]);
    counter('lwm2m_notifications_total', 'Observe notifications published', [], () => [[{}, c.notifications]]);
    counter('lwm2m_sends_total', 'LwM2M 1.1 Send operations (POST /dp) published', [], () => [[{}, c.sends]]);
    counter('lwm2m_publish_errors_total', 'Publishes to the broker that failed', [], () => [[{}, lw.bridge.publishErrors]]);
    counter('lwm2m_invalid_topics_total', 'Publishes refused because a device-supplied name made an invalid topic', [], () => [
      [{}, lw.bridge.stats.invalidTopics],
    ]);
    counter('lwm2m_refused_requests_total', 'Registration-interface requests refused (bad endpoint name, query, limits)', [], () => [
      [{}, lw.stats.refusedRequests],
    ]);
    const healing = lw.upstreamSession.stats;
    counter('lwm2m_broker_session_losses_total', "Losses of the LwM2M bridge's broker session (it reopens itself)", [], () => [[{}, healing.lost]]);
    counter('lwm2m_broker_session_restores_total', "Restores of the LwM2M bridge's broker session", [], () => [[{}, healing.restored]]);
    counter('lwm2m_offline_publishes_dropped_total', 'Publishes dropped while the bridge session was down (beyond the held queue)', [], () => [
      [{}, healing.droppedOffline],
    ]);
    const latency = src.activity.commandLatency;
    counter('lwm2m_commands_total', 'LwM2M commands ended, by msgType and outcome', ['msg_type', 'outcome'], () => {
      const out: [LabelValues, number][] = [];
      for (const [msgType, s] of latency.series) for (const outcome of COMMAND_OUTCOMES) out.push([{ msg_type: msgType, outcome }, s.outcomes[outcome]]);
      return out;
    });
    registry.registerMetric(commandLatencyHistogram(`${p}lwm2m_command_duration_seconds`, latency));
  }

  // ---------------------------------------------------------------- upstream
  const health = src.upstream.health;
  gauge('upstream_connected', '1 when every broker connection is up (the in-process broker is always up)', [], () => [
    [{}, health === undefined || health.connected ? 1 : 0],
  ]);
  counter('upstream_reconnects_total', 'Broker connections re-established after a loss', [], () => [[{}, health?.reconnects ?? 0]]);
  counter('upstream_connection_losses_total', 'Broker connections lost', [], () => [[{}, health?.losses ?? 0]]);
  counter('upstream_outages_total', 'Outages: times the broker link went from all up to some down', [], () => [[{}, health?.outages ?? 0]]);

  // ---------------------------------------------------------------- HTTP side
  gauge('http_live_streams', 'Open dashboard / SSE streams', [], () => [[{}, src.activity.listenerCount]]);

  // process_*, nodejs_* (event-loop lag, heap, GC), read at scrape time.
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A histogram read from plain counters at scrape time (prom-client's own
 * Histogram can only be fed observation by observation). Registered with
 * `registerMetric`, which needs name, help, type and get().
 */
function commandLatencyHistogram(name: string, latency: import('./command-latency.js').CommandLatency): Parameters<Registry['registerMetric']>[0] {
  const metric = {
    name,
    help: 'LwM2M command latency, request sent to final answer, by msgType',
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const [msgType, s] of latency.series) {
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i] ?? 0;
          values.push({ metricName: `${name}_bucket`, labels: { le, msg_type: msgType }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', msg_type: msgType }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: { msg_type: msgType }, value: s.sum });
        values.push({ metricName: `${name}_count`, labels: { msg_type: msgType }, value: s.count });
      }
      return { name, help: metric.help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      /* counters live in CommandLatency */
    },
  };
  return metric as unknown as Parameters<Registry['registerMetric']>[0];
}
