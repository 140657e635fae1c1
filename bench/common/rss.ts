import { readFileSync } from 'node:fs';

/**
 * Resident set size of a process in bytes, from `/proc/<pid>/status` (VmRSS).
 * Undefined when the process is gone or /proc is not available (non-Linux).
 */
export function readRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}
