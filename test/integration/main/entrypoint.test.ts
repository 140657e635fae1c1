import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { dtls } from 'node-dtls-client';
import { CoapOption, decodeMessage, encodeMessage } from '../../../src/lwm2m/coap/message.js';
import { MsgType } from '../../../src/mqttsn/codec/constants.js';
import { BootstrapTestClient } from '../../helpers/lwm2m-bootstrap-client.js';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { SnTestClient } from '../../helpers/sn-client.js';

/**
 * The real entry point (`src/main.ts`) as a child process: what `npm start`
 * runs, with every port on loopback. Checks startup refusal on bad config,
 * both protocols reaching the embedded broker, and the ordered SIGTERM
 * shutdown (devices told, exit 0).
 */

const MAIN = join(import.meta.dirname, '../../../src/main.ts');

interface Started {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

let dir: string | undefined;
let running: Started | undefined;

afterEach(async () => {
  if (running !== undefined && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function launch(args: readonly string[]): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, GATEWAY_LOG_LEVEL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function writeConfig(config: unknown, name = 'gateway.json'): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'gw-main-'));
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitFor(predicate: () => boolean, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('entry point (npm start)', () => {
  it('refuses a bad config file with one line per problem naming key and reason, exit code 2', async () => {
    const file = await writeConfig({ mqttsn: { gateway_id: 300, gatway: 1 }, upstream: { client: { server: 'gopher://x' } } });
    running = launch(['--config', file]);
    const code = await running.exited;
    expect(code).toBe(2);
    const err = running.output.stderr;
    expect(err).toContain('mqttsn.gateway_id');
    expect(err).toContain('mqttsn.gatway');
    expect(err).toContain('upstream.client.server');
    expect(err).toContain('300');
  });

  it('refuses a bad bootstrap configuration file with one line per problem, exit code 2, no secret shown', async () => {
    const bootstrapFile = await writeConfig(
      { endpoints: { dev1: { server_uri: 'coap://gw:5683', security_mode: 'psk', psk_key: 'sup3r-secret' }, '*': { security_mode: 'nosec' } } },
      'bootstrap.json',
    );
    const file = await writeConfig({ lwm2m: { bootstrap: { config_file: bootstrapFile } } });
    running = launch(['--config', file]);
    expect(await running.exited).toBe(2);
    const lines = running.output.stderr.trim().split('\n');
    expect(lines[0]).toBe(`snlw-gateway: invalid configuration in ${bootstrapFile} (lwm2m.bootstrap.config_file)`);
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(['endpoints.dev1.server_uri', 'endpoints.*.server_uri']);
    expect(running.output.stderr).not.toContain('sup3r-secret');
  });

  it('runs the bootstrap server when a bootstrap configuration file is given', async () => {
    const brokerPort = await freeTcpPort();
    const bsPort = await freeUdpPort();
    const bootstrapFile = await writeConfig({ endpoints: { '*': { server_uri: 'coaps://127.0.0.1:5684', security_mode: 'psk' } } }, 'bootstrap.json');
    const file = await writeConfig({
      log: { level: 'info' },
      http: { bind: '' }, // not under test here; the default port may be taken on a shared machine
      upstream: { embedded: { bind: `127.0.0.1:${brokerPort}` } },
      mqttsn: { enable: false },
      lwm2m: {
        listeners: { udp: { default: { bind: '127.0.0.1:0' } } },
        bootstrap: { config_file: bootstrapFile, listeners: { udp: { default: { bind: `127.0.0.1:${bsPort}` } } } },
      },
    });
    running = launch(['--config', file]);
    const output = running.output;
    await waitFor(
      () => output.stdout.includes('gateway running'),
      () => `"gateway running" log line (stdout: ${output.stdout}; stderr: ${output.stderr})`,
    );
    expect(output.stdout).toContain(`"lwm2mBootstrap":[{"host":"127.0.0.1","port":${bsPort}}]`);
    let watcher: MqttClient | undefined;
    let client: BootstrapTestClient | undefined;
    try {
      watcher = await connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'entry-bs-watcher' });
      const received: string[] = [];
      watcher.on('message', (_topic, payload) => received.push(payload.toString()));
      await watcher.subscribeAsync('lwm2m/entry-bs/response', { qos: 1 });
      client = await BootstrapTestClient.open({ host: '127.0.0.1', port: bsPort });
      expect((await client.request('entry-bs')).code).toBe('2.04');
      const run = await client.serve();
      expect(run.security.get(1)?.identity).toEqual(Buffer.from('entry-bs'));
      await waitFor(() => received.length >= 2, 'bootstrap events at the broker');
      expect(received.map((p) => (JSON.parse(p) as { msgType: string }).msgType)).toEqual(['bootstrap-request', 'bootstrap-finished']);
      // The generated key is never logged.
      expect(output.stdout).not.toContain(run.security.get(1)?.secret.toString('hex') ?? 'x');

      // SIGHUP reloads the file: a bad one is reported and changes nothing...
      await writeFile(bootstrapFile, JSON.stringify({ endpoints: { 'entry-bs2': { security_mode: 'nosec' } } }));
      running.child.kill('SIGHUP');
      await waitFor(() => output.stdout.includes('bootstrap configuration not reloaded'), 'the reload refusal');
      expect(output.stdout).toContain('endpoints.entry-bs2.server_uri');
      expect((await client.request('entry-any')).code).toBe('2.04');
      await client.serve();
      // ...a good one replaces the configurations (here: no wildcard any more).
      await writeFile(bootstrapFile, JSON.stringify({ endpoints: { 'entry-bs2': { server_uri: 'coap://127.0.0.1:5683', security_mode: 'nosec' } } }));
      running.child.kill('SIGHUP');
      await waitFor(() => output.stdout.includes('configuration reloaded'), 'the reload');
      expect((await client.request('entry-other')).code).toBe('4.00');
      expect((await client.request('entry-bs2')).code).toBe('2.04');
      expect((await client.serve()).security.get(1)?.mode).toBe(3);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    } finally {
      await watcher?.endAsync();
      await client?.close();
    }
  });

  it('refuses an unknown command-line argument with exit code 2', async () => {
    running = launch(['--no-such-flag']);
    expect(await running.exited).toBe(2);
    expect(running.output.stderr).toContain('--no-such-flag');
  });

  it('runs MQTT-SN and LwM2M against the embedded broker, then shuts down in order on SIGTERM', async () => {
    const brokerPort = await freeTcpPort();
    const snPort = await freeUdpPort();
    const lwPort = await freeUdpPort();
    const file = await writeConfig({
      log: { level: 'info' },
      http: { bind: '127.0.0.1:0' },
      upstream: { embedded: { bind: `127.0.0.1:${brokerPort}` } },
      mqttsn: { listeners: { udp: { default: { bind: `127.0.0.1:${snPort}` } } } },
      lwm2m: { listeners: { udp: { default: { bind: `127.0.0.1:${lwPort}` } } } },
    });
    running = launch(['--config', file]);
    const output = running.output;
    await waitFor(
      () => output.stdout.includes('gateway running'),
      () => `"gateway running" log line (stdout: ${output.stdout}; stderr: ${output.stderr})`,
    );

    let watcher: MqttClient | undefined;
    let sn: SnTestClient | undefined;
    let device: Lwm2mTestDevice | undefined;
    try {
      watcher = await connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'entry-watcher' });
      await watcher.subscribeAsync(['entry/sn', 'lwm2m/entry-ep/response'], { qos: 1 });
      const received: { topic: string; payload: string }[] = [];
      watcher.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));

      // MQTT-SN: connect, register, QoS 1 publish, reaches the broker.
      sn = await SnTestClient.open(snPort);
      await sn.connect('entry-sn');
      const topicId = await sn.register('entry/sn');
      await sn.send({
        type: MsgType.PUBLISH,
        dup: false,
        qos: 1,
        retain: false,
        topic: { kind: 'normal', id: topicId },
        msgId: 7,
        data: Buffer.from('from-sn'),
      });
      const puback = await sn.expect(MsgType.PUBACK);
      expect(puback.returnCode).toBe(0);
      expect(puback.msgId).toBe(7);

      // LwM2M: register, the register event reaches the broker.
      device = await Lwm2mTestDevice.open({ host: '127.0.0.1', port: lwPort });
      const answer = await device.register('entry-ep', { lt: 300 });
      expect(answer.code).toBe('2.01');

      await waitFor(() => received.length >= 2, 'both messages at the broker');
      expect(received).toContainEqual({ topic: 'entry/sn', payload: 'from-sn' });
      const registerEvent = received.find((m) => m.topic === 'lwm2m/entry-ep/response');
      expect(JSON.parse(registerEvent?.payload ?? '{}')).toMatchObject({ msgType: 'register', data: { ep: 'entry-ep', lt: 300 } });

      // The HTTP listener of the real process (its port from the startup line): liveness, readiness, and the clients just seen.
      const httpPort = Number(/"http":\{"host":"127\.0\.0\.1","port":(\d+)\}/.exec(output.stdout)?.[1]);
      expect(httpPort).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${httpPort}/health`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${httpPort}/ready`)).json()).toMatchObject({ status: 'ready' });
      const clients = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v5/gateways/mqttsn/clients`)).json()) as { data: { clientid: string }[] };
      expect(clients.data.map((c) => c.clientid)).toEqual(['entry-sn']);

      await watcher.endAsync();
      watcher = undefined;

      // SIGTERM: connected MQTT-SN clients are told (DISCONNECT), the process exits 0.
      running.child.kill('SIGTERM');
      const disconnect = await sn.expect(MsgType.DISCONNECT, 5000);
      expect(disconnect.type).toBe(MsgType.DISCONNECT);
      expect(await running.exited).toBe(0);
      expect(output.stdout).toContain('stopped');
    } finally {
      await watcher?.endAsync();
      await sn?.close();
      await device?.close();
    }
  });
});

describe('entry point: psk_authentication', () => {
  it('refuses a bad PSK file naming the key and the line, without printing any secret (exit 2)', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'gw-main-'));
    const keys = join(dir, 'keys.txt');
    await writeFile(keys, 'good:hunter2\nbad-line-without-separator\n');
    const file = await writeConfig({ psk_authentication: { enable: true, init_file: keys } });
    running = launch(['--config', file]);
    expect(await running.exited).toBe(2);
    expect(running.output.stderr).toContain('psk_authentication.init_file');
    expect(running.output.stderr).toContain('line 2');
    expect(running.output.stderr).not.toContain('hunter2');
  });

  it('re-reads the PSK file on SIGHUP: an open DTLS session keeps working, the next handshake uses the new keys', async () => {
    const brokerPort = await freeTcpPort();
    const dtlsPort = await freeUdpPort();
    dir ??= await mkdtemp(join(tmpdir(), 'gw-main-'));
    const keys = join(dir, 'keys.txt');
    await writeFile(keys, 'hup-dev:first-key\n');
    const file = await writeConfig({
      log: { level: 'info' },
      upstream: { embedded: { bind: `127.0.0.1:${brokerPort}` } },
      mqttsn: { enable: false },
      psk_authentication: { enable: true, init_file: keys },
      lwm2m: { listeners: { udp: {}, dtls: { default: { bind: `127.0.0.1:${dtlsPort}` } } } },
    });
    running = launch(['--config', file]);
    const output = running.output;
    await waitFor(
      () => output.stdout.includes('gateway running'),
      () => `"gateway running" (stderr: ${output.stderr})`,
    );
    const session = await DtlsCoapSession.open(dtlsPort, 'hup-dev', 'first-key');
    try {
      expect(await session.register('hup-dev', 1)).toBe('2.01');
      await writeFile(keys, 'hup-dev:second-key\n');
      running.child.kill('SIGHUP');
      await waitFor(() => output.stdout.includes('PSK credentials reloaded'), 'the reload log line');
      // The session made with the old key is still up.
      expect(await session.register('hup-dev', 2)).toBe('2.01');
      await expect(DtlsCoapSession.open(dtlsPort, 'hup-dev', 'first-key')).rejects.toThrow();
      const fresh = await DtlsCoapSession.open(dtlsPort, 'hup-dev', 'second-key');
      expect(await fresh.register('hup-dev', 3)).toBe('2.01');
      fresh.close();
      expect(output.stdout).not.toContain('second-key');
    } finally {
      session.close();
    }
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});

/** A DTLS PSK session from node-dtls-client that sends LwM2M Registers and returns the answer code. */
class DtlsCoapSession {
  readonly #socket: dtls.Socket;
  private constructor(socket: dtls.Socket) {
    this.#socket = socket;
  }

  static async open(port: number, identity: string, key: string): Promise<DtlsCoapSession> {
    const socket = dtls.createSocket({ type: 'udp4', address: '127.0.0.1', port, psk: { [identity]: key }, timeout: 2000 });
    await new Promise<void>((resolve, reject) => {
      socket.once('connected', () => resolve());
      socket.once('error', reject);
    });
    return new DtlsCoapSession(socket);
  }

  register(ep: string, mid: number): Promise<string> {
    const request = encodeMessage({
      type: 'CON',
      code: '0.02',
      messageId: mid,
      token: Buffer.from([mid]),
      options: [
        { number: CoapOption.URI_PATH, value: Buffer.from('rd') },
        { number: CoapOption.URI_QUERY, value: Buffer.from(`ep=${ep}`) },
        { number: CoapOption.URI_QUERY, value: Buffer.from('lwm2m=1.1') },
      ],
      payload: Buffer.from('</3/0>'),
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 3000);
      this.#socket.once('message', (msg: Buffer) => {
        clearTimeout(timer);
        resolve(decodeMessage(msg).code);
      });
      this.#socket.send(request);
    });
  }

  close(): void {
    this.#socket.close();
  }
}
