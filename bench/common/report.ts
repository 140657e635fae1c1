import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LatencySummary } from './histogram.js';
import type { MachineInfo } from './machine.js';
import type { OptionValue } from './options.js';
import type { ScenarioMetrics } from './scenario.js';

export interface GatewayReport {
  readonly kind: string;
  readonly target: string;
  readonly brokerUrl: string;
  readonly pid: number | undefined;
  readonly command: string | undefined;
  /** The generated config of a spawned gateway (the file itself is temporary). */
  readonly config: Record<string, unknown> | undefined;
  readonly rssBeforeBytes: number | undefined;
  readonly rssLoadedBytes: number | undefined;
  readonly rssAfterBytes: number | undefined;
  /** (loaded or after - before) / clients or devices. */
  readonly rssPerClientBytes: number | undefined;
  /** CPU seconds (user + system) the gateway used during the scenario, from /proc/<pid>/stat. */
  readonly cpuSeconds: number | undefined;
  /** cpuSeconds / wall-clock seconds of the scenario, in % of one core (200 = both cores of a 2-core machine). */
  readonly cpuPercentOfOneCore: number | undefined;
}

export interface LoadGeneratorReport {
  readonly cpuSeconds: number;
  readonly cpuPercentOfOneCore: number;
  readonly note: string;
}

export interface RunReport {
  readonly scenario: string;
  readonly startedAt: string;
  readonly parameters: Record<string, OptionValue>;
  readonly machine: MachineInfo;
  readonly gateway: GatewayReport;
  readonly loadGenerator: LoadGeneratorReport;
  readonly results: ScenarioMetrics;
  /** Host-wide /proc/net/snmp Udp counter deltas over the scenario (RcvbufErrors = datagrams dropped at a full socket buffer). */
  readonly hostUdpCounters: Record<string, number> | undefined;
  /** With --cpu-prof: the spawned process's V8 CPU profiles. */
  readonly cpuProfiles?: string[];
}

export function writeReport(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/:/g, '-');
  const file = path.join(dir, `${report.scenario}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtBytes = (n: number | undefined): string =>
  n === undefined ? 'n/a' : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(2)} KiB`;
const fmtLatency = (l: LatencySummary): string => `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (n=${fmtInt(l.count)})`;

/** The short human table printed after every run. */
export function formatReport(r: RunReport): string {
  const m = r.results;
  const rows: [string, string][] = [];
  const add = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) rows.push([k, typeof v === 'number' ? fmtInt(v) : v]);
  };
  add('scenario', r.scenario);
  add('target', `${r.gateway.kind} ${r.gateway.target}`);
  add('duration ms', m.durationMs);
  add('messages/s', m.messagesPerSecond);
  add('connects/s', m.connectsPerSecond);
  add('registrations/s', m.registrationsPerSecond);
  add('sent', m.sent);
  add('received', m.received);
  add('lost', m.lost);
  add('accepted', m.accepted);
  add('rejected', m.rejected);
  add('failed', m.failed);
  if (m.latencyMs) add('latency', fmtLatency(m.latencyMs));
  for (const [k, v] of Object.entries(m.extra ?? {})) {
    if (v === undefined) continue;
    add(k, typeof v === 'object' ? fmtLatency(v) : typeof v === 'boolean' ? String(v) : v);
  }
  add('gateway RSS before', fmtBytes(r.gateway.rssBeforeBytes));
  if (r.gateway.rssLoadedBytes !== undefined) add('gateway RSS loaded', fmtBytes(r.gateway.rssLoadedBytes));
  add('gateway RSS after', fmtBytes(r.gateway.rssAfterBytes));
  if (r.gateway.rssPerClientBytes !== undefined) add('gateway RSS per client/device', fmtBytes(r.gateway.rssPerClientBytes));
  if (r.gateway.cpuPercentOfOneCore !== undefined) add('gateway CPU', `${r.gateway.cpuPercentOfOneCore} % of one core over the scenario`);
  add('load generator CPU', `${r.loadGenerator.cpuPercentOfOneCore} % of one core (main process)`);
  if (r.hostUdpCounters)
    add(
      'host UDP drops',
      `RcvbufErrors ${fmtInt(r.hostUdpCounters['RcvbufErrors'] ?? 0)}, SndbufErrors ${fmtInt(r.hostUdpCounters['SndbufErrors'] ?? 0)} (whole machine)`,
    );
  if (m.timedOut) add('TIMED OUT', 'hard time limit reached; figures are partial');
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  for (const n of m.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
