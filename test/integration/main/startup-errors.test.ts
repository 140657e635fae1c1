import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN } from '../../helpers/gateway-process.js';

/**
 * Startup refusals of the real process: one plain line naming the key (or the environment
 * variable) and the value, exit code 2, no stack trace, and no port bound on the way.
 */

function run(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, GATEWAY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Every listener on a loopback port 0 (nothing to collide with); a test puts its occupied port in one. */
function loopbackEnv(): Record<string, string> {
  return {
    GATEWAY_MQTTSN_BIND: '127.0.0.1:0',
    GATEWAY_LWM2M_BIND: '127.0.0.1:0',
    GATEWAY_EMBEDDED_BIND: '127.0.0.1:0',
    GATEWAY_HTTP_BIND: '127.0.0.1:0',
    GATEWAY_UPSTREAM_SERVER: '',
  };
}

function expectOneLineRefusal(result: { code: number | null; stdout: string; stderr: string }, line: string): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(`${line}\n`);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  // Nothing ran: not even the "LwM2M object definitions loaded" line, so no port was bound.
  expect(result.stdout).toBe('');
}

describe('startup refusals', () => {
  it('a UDP port in use names the environment variable that set it', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    const env = { ...loopbackEnv(), GATEWAY_LWM2M_BIND: `127.0.0.1:${port}` };
    try {
      const result = await run([], env);
      expectOneLineRefusal(
        result,
        `snlw-gateway: lwm2m.listeners.udp.default.bind (environment variable GATEWAY_LWM2M_BIND): 127.0.0.1:${port}: address already in use (EADDRINUSE): another process listens there`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("the embedded broker's TCP port in use", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const env = { ...loopbackEnv(), GATEWAY_EMBEDDED_BIND: `127.0.0.1:${port}` };
    try {
      expectOneLineRefusal(
        await run([], env),
        `snlw-gateway: upstream.embedded.bind (environment variable GATEWAY_EMBEDDED_BIND): 127.0.0.1:${port}: address already in use (EADDRINUSE): another process listens there`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("the HTTP listener's TCP port in use", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const env = { ...loopbackEnv(), GATEWAY_HTTP_BIND: `127.0.0.1:${port}` };
    try {
      expectOneLineRefusal(
        await run([], env),
        `snlw-gateway: http.bind (environment variable GATEWAY_HTTP_BIND): 127.0.0.1:${port}: address already in use (EADDRINUSE): another process listens there`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a missing xml_dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-start-'));
    try {
      const missing = join(dir, 'no-such-dir');
      const config = join(dir, 'gateway.json');
      await writeFile(config, JSON.stringify({ lwm2m: { xml_dir: missing } }));
      expectOneLineRefusal(await run(['--config', config], loopbackEnv()), `snlw-gateway: lwm2m.xml_dir: ${missing}: directory cannot be read (ENOENT)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unreadable certificate file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-start-'));
    try {
      const config = join(dir, 'gateway.json');
      const ca = join(dir, 'missing-ca.pem');
      await writeFile(config, JSON.stringify({ upstream: { client: { server: 'mqtts://127.0.0.1:8883', tlsConfig: { caFilePEM: ca } } } }));
      const env = loopbackEnv();
      delete env.GATEWAY_UPSTREAM_SERVER;
      expectOneLineRefusal(
        await run(['--config', config], env),
        `snlw-gateway: upstream.client.tlsConfig.caFilePEM: ${ca}: certificate file cannot be read (ENOENT)`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('log format', () => {
  it('GATEWAY_LOG_FORMAT=pretty writes readable lines naming the component even when not on a terminal', async () => {
    const env = { ...loopbackEnv(), GATEWAY_LOG_FORMAT: 'pretty' };
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, GATEWAY_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const start = Date.now();
    while (!stdout.includes('gateway running') && Date.now() - start < 15_000) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // eslint-disable-next-line no-control-regex -- strips ANSI colour codes
    const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: main: gateway running \{"upstream":"embedded \(direct\)",/m);
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: mqttsn: MQTT-SN listening /m);
    expect(plain).not.toMatch(/^\{"level"/m);
  });
});
