import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../../helpers/gateway-process.js';

/**
 * The README's walk-through, run exactly as written: every ```console block, `$ ` lines as shell
 * commands (from the package root, like a user after `npm install`), the lines below each one as its
 * expected output (`...` matches anything; the default ports stand for the test gateway's ports).
 * `CMD &` runs in the background until its first line, `kill %N` stops background job N.
 */

const ROOT = join(import.meta.dirname, '../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Step {
  readonly command: string;
  readonly expected: string[];
}

function consoleBlocks(markdown: string): Step[][] {
  const blocks: Step[][] = [];
  for (const match of markdown.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    const steps: Step[] = [];
    for (const line of match[1].split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
      else if (line !== '') steps.at(-1)?.expected.push(line);
    }
    blocks.push(steps);
  }
  return blocks;
}

let gateway: GatewayProcess;
const jobs: { child: ChildProcess; exited: Promise<void>; output: () => string; command: string }[] = [];

beforeAll(async () => {
  // What `npm install` does (the prepare script): build dist/ if it is missing or older than src/.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  gateway = await startGatewayProcess();
}, 180_000);

afterAll(async () => {
  for (const job of jobs) if (job.child.exitCode === null && job.child.signalCode === null) process.kill(-(job.child.pid as number), 'SIGKILL');
  await gateway?.stop();
});

function withTestPorts(line: string): string {
  return line
    .replace(/127\.0\.0\.1:5683\b/g, gateway.env.GATEWAY_LWM2M_BIND)
    .replace(/127\.0\.0\.1:1884\b/g, gateway.env.GATEWAY_MQTTSN_BIND)
    .replace(/127\.0\.0\.1:1883\b/g, gateway.env.GATEWAY_EMBEDDED_BIND);
}

function matches(expected: string, actual: string): boolean {
  const pattern = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

function expectLines(actual: string[], expected: string[], command: string): void {
  const wanted = expected.map(withTestPorts);
  const ok = actual.length === wanted.length && wanted.every((line, i) => matches(line, actual[i]));
  expect(ok, `$ ${command}\nexpected:\n${wanted.join('\n')}\ngot:\n${actual.join('\n')}`).toBe(true);
}

function shell(command: string): ChildProcess {
  return spawn('sh', ['-c', command], {
    cwd: ROOT,
    env: { ...process.env, ...gateway.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

async function run(step: Step): Promise<void> {
  const kill = /^kill %(\d+)$/.exec(step.command);
  if (kill !== null) {
    const job = jobs[Number(kill[1]) - 1];
    expect(job, step.command).toBeDefined();
    // Like a shell's job control: the signal goes to the job's process group (npx and the tool it runs).
    process.kill(-(job?.child.pid as number), 'SIGTERM');
    await job?.exited;
    // A stopped device de-registers before it exits.
    if (/snlw device/.test(job?.command ?? '')) expect(job?.output()).toMatch(/^dev42: de-registered \(2\.02\)$/m);
    return;
  }
  const background = step.command.endsWith(' &');
  // `exec` so that signals reach the command itself, as a shell's job control does.
  const child = shell(`exec ${background ? step.command.slice(0, -2) : step.command}`);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  // 'close': the process and everything that shares its output (npx runs the tool as a child) are done.
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  if (background) {
    jobs.push({ child, exited, output: () => output, command: step.command });
    await waitFor(
      () => output.split('\n').length > step.expected.length || child.exitCode !== null,
      () => `${step.command}: ${output}`,
      60_000,
    );
    expectLines(output.split('\n').slice(0, step.expected.length), step.expected, step.command);
    return;
  }
  await exited;
  expect(child.exitCode, `$ ${step.command}\n${output}`).toBe(0);
  expectLines(output === '' ? [] : output.replace(/\n$/, '').split('\n'), step.expected, step.command);
}

describe('README walk-through', () => {
  const blocks = consoleBlocks(README);

  it('has console blocks for both protocols', () => {
    const commands = blocks.flat().map((s) => s.command);
    expect(commands.some((c) => c.startsWith('npx snlw pub'))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx snlw device'))).toBe(true);
  });

  it('every command runs as written and prints what the README shows', async () => {
    for (const step of blocks.flat()) await run(step);
  }, 240_000);
});
