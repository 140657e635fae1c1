import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { uniqueEp } from '../lwm2m/harness.js';
import { startGatewayUnderTest, waitFor, type GatewayUnderTest } from './running-gateway.js';

/** prometheus.io/docs/concepts/data_model: metric and label names. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

describe('GET /metrics: Prometheus text format, parsed by a real parser', () => {
  let g: GatewayUnderTest;
  let text = '';
  let families: PromFamily[] = [];
  const byName = (name: string): PromFamily => {
    const family = families.find((f) => f.name === name);
    if (family === undefined) throw new Error(`metric ${name} missing`);
    return family;
  };
  const value = (name: string, labels: Record<string, string> = {}): number => {
    const sample = byName(name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (sample === undefined) throw new Error(`no ${name} sample with ${JSON.stringify(labels)}`);
    return Number(sample.value);
  };

  let client: SnTestClient;
  let dev: Lwm2mTestDevice;
  beforeAll(async () => {
    g = await startGatewayUnderTest();
    client = await SnTestClient.open(g.snPort);
    await client.connect(`metrics-${process.pid}-${Date.now()}`);
    await client.register('metrics/up');
    dev = await Lwm2mTestDevice.open(g.lwm2m);
    const ep = uniqueEp('metrics');
    expect((await dev.register(ep, { lt: 300, links: '</3/0>' })).code).toBe('2.01');
    const read = fetch(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/read?path=/3/0/0`, { method: 'POST' });
    dev.respond(await dev.expectRequest(), { code: '2.05', format: 0, payload: 'x' });
    expect((await read).status).toBe(200);
    await waitFor(() => (g.gateway.activity.lwm2mCounters.registrations > 0 ? true : undefined), 'the registration to be counted');
    const res = await fetch(`${g.base}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    text = await res.text();
    families = parsePrometheusTextFormat(text);
  });
  afterAll(async () => {
    await client?.close();
    await dev?.close();
    await g?.close();
  });

  it('every name follows the conventions: one prefix, counters end in _total, base units', () => {
    expect(families.length).toBeGreaterThan(30);
    for (const f of families) {
      expect(f.name).toMatch(METRIC_NAME);
      for (const m of f.metrics) for (const label of Object.keys(m.labels ?? {})) expect(label).toMatch(LABEL_NAME);
      // prom-client's own process_* / nodejs_* families keep their established names (nodejs_active_resources_total is a gauge).
      if (f.name.startsWith('process_') || f.name.startsWith('nodejs_')) continue;
      expect(f.name.startsWith('snlw_')).toBe(true);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      if (f.type !== 'COUNTER') expect(f.name).not.toMatch(/_total$/);
      expect(f.name).not.toMatch(/_(milliseconds|ms|kilobytes)(_|$)/);
    }
    // No per-client labels (cardinality): no sample carries a client id, endpoint or address.
    expect(text).not.toMatch(/clientid=|endpoint=|ip_address=|peer=/);
  });

  it('reports the traffic the test made', () => {
    expect(value('snlw_udp_datagrams_received_total', { protocol: 'mqttsn', listener: 'default' })).toBeGreaterThanOrEqual(2);
    expect(value('snlw_udp_datagrams_sent_total', { protocol: 'lwm2m', listener: 'default' })).toBeGreaterThanOrEqual(2);
    expect(value('snlw_mqttsn_packets_received_total', { msg_type: 'CONNECT' })).toBe(1);
    expect(value('snlw_mqttsn_packets_received_total', { msg_type: 'REGISTER' })).toBe(1);
    expect(value('snlw_mqttsn_packets_sent_total', { msg_type: 'REGACK' })).toBe(1);
    expect(value('snlw_mqttsn_sessions', { state: 'active' })).toBe(1);
    expect(value('snlw_mqttsn_sessions', { state: 'asleep' })).toBe(0);
    expect(value('snlw_mqttsn_datagrams_dropped_total', { reason: 'malformed' })).toBe(0);
    expect(value('snlw_lwm2m_registrations')).toBe(1);
    expect(value('snlw_lwm2m_registration_events_total', { event: 'register' })).toBe(1);
    expect(value('snlw_lwm2m_commands_total', { msg_type: 'read', outcome: 'answered' })).toBe(1);
    expect(value('snlw_upstream_connected')).toBe(1);
    expect(value('snlw_build_info', { version: '0.1.0' })).toBe(1);
  });

  it('command latency is a histogram per msgType with cumulative buckets', () => {
    // The parser validates the family (type, bucket/sum/count lines); it merges labelled
    // histograms into one sample, so the per-msgType series are read from the text lines.
    expect(byName('snlw_lwm2m_command_duration_seconds').type).toBe('HISTOGRAM');
    const line = (suffix: string, labels: string): number => {
      const match = new RegExp(`^snlw_lwm2m_command_duration_seconds_${suffix}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
      if (match === null) throw new Error(`no ${suffix} line for ${labels}`);
      return Number(match[1]);
    };
    expect(line('count', 'msg_type="read"')).toBe(1);
    expect(line('sum', 'msg_type="read"')).toBeGreaterThan(0);
    const buckets = [...text.matchAll(/^snlw_lwm2m_command_duration_seconds_bucket\{le="([^"]+)",msg_type="read"\} (\S+)$/gm)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(buckets.length).toBeGreaterThan(5);
    for (let i = 1; i < buckets.length; i += 1) expect(buckets[i]?.[1]).toBeGreaterThanOrEqual(buckets[i - 1]?.[1] ?? 0);
    expect(buckets.at(-1)).toEqual(['+Inf', 1]);
    expect(line('count', 'msg_type="write"')).toBe(0);
  });

  it('includes process and event-loop metrics', () => {
    expect(byName('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
