import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, freeUdpPort, waitForTcp } from './common/free-port.js';
import { OptionError } from './common/options.js';
import { readRssBytes } from './common/rss.js';
import type { Endpoint } from './common/scenario.js';
import { probeCoap } from './lwm2m/probe.js';
import { probeMqttSn } from './mqttsn/probe.js';

/**
 * The process under test: our gateway spawned as a child (`node --import tsx src/main.ts
 * --config <temp file>` or `node dist/main.js --config ...`), the reference responder
 * (baseline), or an external gateway that is already running (--external host:port).
 */
export interface GatewayHandle {
  readonly kind: 'spawned-gateway' | 'spawned-responder' | 'external';
  readonly mqttsn: Endpoint;
  readonly lwm2m: Endpoint;
  readonly brokerUrl: string;
  /** HTTP API / metrics of a spawned gateway. */
  readonly httpUrl: string | undefined;
  readonly pid: number | undefined;
  readonly command: string | undefined;
  readonly logFile: string | undefined;
  /** The generated configuration a spawned gateway ran with. */
  readonly config: Record<string, unknown> | undefined;
  rss(): number | undefined;
  /** Throws if a spawned process has exited. */
  assertAlive(): void;
  stop(): Promise<void>;
  /** Removes the generated config and the process log (after a successful run). */
  removeFiles(): void;
}

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface SpawnOptions {
  readonly entry: 'src' | 'dist';
  /** JSON file deep-merged over the generated config (e.g. upstream.mode, socket buffers). */
  readonly extraConfigFile: string;
  /** Extra node flags, space separated (e.g. "--max-old-space-size=4096"). */
  readonly nodeArgs: string;
  readonly waitFor: 'mqttsn' | 'lwm2m';
  readonly readyDeadline: number;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function splitArgs(text: string): string[] {
  return text.split(/\s+/).filter((s) => s.length > 0);
}

class ChildHandle implements GatewayHandle {
  readonly kind: 'spawned-gateway' | 'spawned-responder';
  readonly mqttsn: Endpoint;
  readonly lwm2m: Endpoint;
  readonly brokerUrl: string;
  httpUrl: string | undefined;
  readonly command: string;
  readonly logFile: string;
  config: Record<string, unknown> | undefined;
  readonly #child: ChildProcess;
  #exit: string | undefined;

  constructor(kind: ChildHandle['kind'], child: ChildProcess, command: string, logFile: string, mqttsn: Endpoint, lwm2m: Endpoint, brokerUrl: string) {
    // logFile sits in the run's own temp directory (with the generated config).
    this.kind = kind;
    this.#child = child;
    this.command = command;
    this.logFile = logFile;
    this.mqttsn = mqttsn;
    this.lwm2m = lwm2m;
    this.brokerUrl = brokerUrl;
    this.httpUrl = undefined;
    child.on('exit', (code, signal) => {
      this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  rss(): number | undefined {
    return this.#child.pid !== undefined && this.#exit === undefined ? readRssBytes(this.#child.pid) : undefined;
  }

  assertAlive(): void {
    if (this.#exit !== undefined) throw new Error(`${this.kind} exited (${this.#exit}); its output: ${this.logFile}\n${tail(this.logFile)}`);
  }

  removeFiles(): void {
    rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    if (this.#exit !== undefined || this.#child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGTERM');
    // Our gateway gives itself 10 s to shut down in order (src/main.ts); then it is killed.
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 12_000);
    await exited;
    clearTimeout(timer);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function spawnLogged(args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', fd, fd], env: { ...process.env } });
  closeSync(fd);
  return child;
}

/** Spawns our gateway on free loopback ports and waits until it answers. */
export async function spawnGateway(opts: SpawnOptions): Promise<GatewayHandle> {
  const [snPort, lwPort, brokerPort, httpPort] = [await freeUdpPort(), await freeUdpPort(), await freeTcpPort(), await freeTcpPort()];
  let config: Record<string, unknown> = {
    log: { level: 'warn' },
    http: { bind: `127.0.0.1:${httpPort}` },
    upstream: { embedded: { bind: `127.0.0.1:${brokerPort}` } },
    mqttsn: { listeners: { udp: { default: { bind: `127.0.0.1:${snPort}` } } } },
    lwm2m: { listeners: { udp: { default: { bind: `127.0.0.1:${lwPort}` } } } },
  };
  if (opts.extraConfigFile) {
    const extra: unknown = JSON.parse(readFileSync(opts.extraConfigFile, 'utf8'));
    if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new Error('--gateway-config must hold a JSON object');
    config = deepMerge(config, extra as Record<string, unknown>);
  }
  const entryArgs = opts.entry === 'dist' ? [path.join(repoRoot, 'dist/main.js')] : ['--import', 'tsx', path.join(repoRoot, 'src/main.ts')];
  if (!existsSync(entryArgs[entryArgs.length - 1])) {
    throw new OptionError(`${entryArgs[entryArgs.length - 1]} does not exist${opts.entry === 'dist' ? ' (run `npm run build`)' : ''}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snlw-bench-'));
  const configFile = path.join(dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(dir, 'gateway.log');
  const args = [...splitArgs(opts.nodeArgs), ...entryArgs, '--config', configFile];
  const child = spawnLogged(args, logFile);
  const handle = new ChildHandle(
    'spawned-gateway',
    child,
    `node ${args.join(' ')}`,
    logFile,
    { host: '127.0.0.1', port: snPort },
    { host: '127.0.0.1', port: lwPort },
    `mqtt://127.0.0.1:${brokerPort}`,
  );
  handle.config = config;
  handle.httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitReady(handle, async () => {
    await waitForTcp('127.0.0.1', brokerPort, opts.readyDeadline);
    if (opts.waitFor === 'mqttsn') await probeMqttSn('127.0.0.1', snPort, opts.readyDeadline);
    else await probeCoap('127.0.0.1', lwPort, opts.readyDeadline);
  });
  return handle;
}

/** Spawns the bare reference responder (baseline scenario). */
export async function spawnResponder(opts: { nodeArgs: string; readyDeadline: number }): Promise<GatewayHandle> {
  const port = await freeUdpPort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snlw-bench-'));
  const logFile = path.join(dir, 'responder.log');
  const args = [...splitArgs(opts.nodeArgs), '--import', 'tsx', path.join(repoRoot, 'bench/mqttsn/reference-responder.ts'), '--port', String(port)];
  const child = spawnLogged(args, logFile);
  const ep = { host: '127.0.0.1', port };
  const handle = new ChildHandle('spawned-responder', child, `node ${args.join(' ')}`, logFile, ep, ep, '');
  await waitReady(handle, () => probeMqttSn('127.0.0.1', port, opts.readyDeadline));
  return handle;
}

async function waitReady(handle: ChildHandle, probe: () => Promise<void>): Promise<void> {
  const exitWatch = setInterval(() => {
    try {
      handle.assertAlive();
    } catch {
      /* reported below */
    }
  }, 100);
  try {
    await probe();
  } catch (err) {
    await handle.stop();
    handle.assertAlive();
    throw new Error(`${(err as Error).message}; gateway output: ${handle.logFile}\n${tail(handle.logFile)}`);
  } finally {
    clearInterval(exitWatch);
  }
}

/** An already running gateway; RSS only when its pid is given. */
export function externalGateway(opts: { mqttsn: Endpoint; lwm2m: Endpoint; brokerUrl: string; pid: number | undefined }): GatewayHandle {
  return {
    kind: 'external',
    mqttsn: opts.mqttsn,
    lwm2m: opts.lwm2m,
    brokerUrl: opts.brokerUrl,
    httpUrl: undefined,
    pid: opts.pid,
    command: undefined,
    logFile: undefined,
    config: undefined,
    rss: () => (opts.pid !== undefined ? readRssBytes(opts.pid) : undefined),
    assertAlive: () => undefined,
    stop: async () => undefined,
    removeFiles: () => undefined,
  };
}
