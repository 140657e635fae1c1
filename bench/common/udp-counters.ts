import { readFileSync } from 'node:fs';

/**
 * Host-wide UDP counters from /proc/net/snmp (Linux). The delta over a run shows where
 * datagrams were dropped: RcvbufErrors = a receiving socket's buffer was full. Host-wide,
 * so other traffic on the machine is included.
 */
export type UdpCounters = Readonly<Record<string, number>>;

export function readUdpCounters(): UdpCounters | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/net/snmp', 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return undefined;
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

export function udpDelta(before: UdpCounters | undefined, after: UdpCounters | undefined): Record<string, number> | undefined {
  if (!before || !after) return undefined;
  const pick = ['InDatagrams', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InErrors', 'NoPorts'];
  return Object.fromEntries(pick.map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}
