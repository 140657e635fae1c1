import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';

/**
 * The real gateway (`src/main.ts`) as a child process on loopback ports, and
 * the `snlw` command-line tool run against it, as a user runs both.
 */

const ROOT = join(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'src/main.ts');
export const SNLW = join(ROOT, 'src/cli/snlw.ts');

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** GATEWAY_* variables that point the gateway and `snlw` at the same loopback ports. */
  readonly env: Record<string, string>;
  /** The broker the gateway uses: its embedded one, or TEST_UPSTREAM_URL. */
  readonly brokerUrl: string;
  readonly output: { stdout: string; stderr: string };
  stop(): Promise<void>;
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function waitFor(predicate: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Follows the integration-test switches: TEST_UPSTREAM_URL (an external broker instead of the
 * embedded one) and TEST_UPSTREAM_MODE (transparent or aggregating).
 */
export async function startGatewayProcess(args: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<GatewayProcess> {
  const external = process.env.TEST_UPSTREAM_URL ?? '';
  // Every listener on port 0: the bound ports are read back from the startup log.
  const launchEnv: Record<string, string> = {
    GATEWAY_MQTTSN_BIND: '127.0.0.1:0',
    GATEWAY_LWM2M_BIND: '127.0.0.1:0',
    GATEWAY_EMBEDDED_BIND: '127.0.0.1:0',
    GATEWAY_HTTP_BIND: '127.0.0.1:0',
    GATEWAY_UPSTREAM_SERVER: external,
    ...(process.env.TEST_UPSTREAM_MODE === undefined ? {} : { GATEWAY_UPSTREAM_MODE: process.env.TEST_UPSTREAM_MODE }),
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...launchEnv, GATEWAY_LOG_LEVEL: 'info', GATEWAY_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitFor(
    () => output.stdout.includes('"gateway running"') || child.exitCode !== null,
    () => `the gateway to start; stdout: ${output.stdout.slice(-500)} stderr: ${output.stderr.slice(-500)}`,
    // Generous: a parallel test file may be compiling dist/ on the same two cores.
    60_000,
  );
  if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${output.stderr}`);
  const records = output.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg?: string; tcp?: string; mqttsn?: { host: string; port: number }[]; lwm2m?: { host: string; port: number }[] });
  const running = records.find((r) => r.msg === 'gateway running');
  const broker = records.find((r) => r.msg === 'embedded MQTT broker started')?.tcp;
  const first = (list: { host: string; port: number }[] | undefined): string => (list?.[0] === undefined ? '' : `${list[0].host}:${list[0].port}`);
  // What the tools need to reach this gateway (the same variables, with the ports it bound).
  const env: Record<string, string> = {
    GATEWAY_MQTTSN_BIND: first(running?.mqttsn),
    GATEWAY_LWM2M_BIND: first(running?.lwm2m),
    GATEWAY_EMBEDDED_BIND: typeof broker === 'string' ? broker : '',
    GATEWAY_UPSTREAM_SERVER: external,
  };
  return {
    child,
    env,
    brokerUrl: external === '' ? `mqtt://${env.GATEWAY_EMBEDDED_BIND}` : external,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<CliRun>;
}

/** Starts `snlw ARGS` (stdout and stderr piped, so plain lines) with the gateway's env. */
export function spawnSnlw(args: readonly string[], env: Record<string, string>, input?: string): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SNLW, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<CliRun>((resolve) => child.on('exit', (code) => resolve({ code, ...output })));
  return { child, output, exited };
}

export function runSnlw(args: readonly string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  return spawnSnlw(args, env, input).exited;
}
