import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LatencySummary } from '../common/histogram.js';
import { repoRoot } from '../gateway-process.js';

/**
 * The C load generator (`bench/native/snload.c`): the QoS 1/2 uplink loop of the `publish`
 * scenario at a few microseconds of CPU per message, so that on a small machine the load side
 * does not take the cores the gateway under test needs. Compiled with the system C compiler
 * on first use (and again when the source is newer than the binary).
 */

const source = path.join(repoRoot, 'bench', 'native', 'snload.c');
const binary = path.join(repoRoot, 'bench', 'native', 'build', 'snload');

export interface NativeUplinkOptions {
  readonly host: string;
  readonly port: number;
  readonly clients: number;
  readonly qos: 1 | 2;
  readonly durationS: number;
  readonly retryMs: number;
  readonly payloadSize: number;
  readonly keepaliveS: number;
  readonly requestTimeoutMs: number;
  readonly setupConcurrency: number;
  readonly idPrefix: string;
  readonly topicPrefix: string;
  /** Hard limit: the generator is killed after this many ms. */
  readonly killAfterMs: number;
}

/** What snload prints (one JSON object), plus the CPU it used. */
export interface NativeUplinkResult {
  readonly setup: {
    readonly connected: number;
    readonly registered: number;
    readonly failedConnect: number;
    readonly failedRegister: number;
    readonly elapsedMs: number;
    readonly firstError: string;
  };
  readonly activeClients: number;
  readonly sent: number;
  readonly acked: number;
  readonly rejected: number;
  readonly retransmitted: number;
  readonly stalled: number;
  readonly durationMs: number;
  readonly latencyMs: LatencySummary;
  /** User + system CPU seconds of the generator process over its whole life (setup included), from getrusage. */
  readonly cpuSeconds: number;
}

/** Builds snload if the binary is missing or older than its source; throws with the compiler's words. */
export function buildNativeGenerator(): string {
  const sourceTime = statSync(source).mtimeMs;
  let binaryTime = 0;
  try {
    binaryTime = statSync(binary).mtimeMs;
  } catch {
    // not built yet
  }
  if (binaryTime < sourceTime) {
    mkdirSync(path.dirname(binary), { recursive: true });
    const compiler = process.env.CC ?? 'cc';
    try {
      execFileSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', binary, source], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(
        `could not build ${path.relative(repoRoot, source)} with ${compiler} (install a C compiler, e.g. Debian's gcc): ${stderr || String(error)}`,
      );
    }
  }
  return binary;
}

/** Runs snload once; stderr lines go to `log`. */
export async function runNativeUplink(o: NativeUplinkOptions, log: (line: string) => void): Promise<NativeUplinkResult> {
  const exe = buildNativeGenerator();
  const args = [
    ['--target', `${o.host}:${o.port}`],
    ['--clients', o.clients],
    ['--qos', o.qos],
    ['--duration', o.durationS],
    ['--retry', o.retryMs],
    ['--payload-size', o.payloadSize],
    ['--keepalive', o.keepaliveS],
    ['--request-timeout', o.requestTimeoutMs],
    ['--setup-concurrency', o.setupConcurrency],
    ['--id-prefix', o.idPrefix],
    ['--topic-prefix', o.topicPrefix],
  ].flatMap(([k, v]) => [String(k), String(v)]);
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim() !== '') log(line.trim());
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('exit', (c, s) => resolve([c, s]));
  });
  clearTimeout(killer);
  if (code !== 0) throw new Error(`snload ended with ${signal ?? `exit code ${code}`}`);
  return JSON.parse(stdout) as NativeUplinkResult;
}
