import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly os: string;
  readonly kernel: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryMiB: number;
  readonly node: string;
}

/** The machine a run was measured on (part of every result file). */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: distribution() ?? os.type(),
    kernel: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryMiB: Math.round(os.totalmem() / 1048576),
    node: process.version,
  };
}

/** PRETTY_NAME from /etc/os-release (Linux), e.g. "Debian GNU/Linux 12 (bookworm)". */
function distribution(): string | undefined {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}
