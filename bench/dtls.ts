/**
 * DTLS figures for the LwM2M listener: handshakes per second, secured
 * registrations per second (handshake + Register -> 2.01), and the memory a
 * DTLS session and a secured registration cost the gateway.
 *
 *   npx tsx bench/dtls.ts [--devices 500] [--concurrency 50] [--port 21340]
 *
 * The gateway runs as a child process (node --import tsx src/main.ts) with a
 * PSK file of `--devices` identities and a DTLS listener on 127.0.0.1:<port>;
 * the clients are node-dtls-client sockets in this process (a pure
 * TypeScript DTLS 1.2 PSK client, TLS_PSK_WITH_AES_128_CCM_8), so client
 * and gateway share the machine's cores: the figures are lower bounds.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dtls } from 'node-dtls-client';
import { CoapOption, decodeMessage, encodeMessage } from '../src/lwm2m/coap/message.js';
import { readRssBytes } from './common/rss.js';
import { repoRoot } from './gateway-process.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const devices = arg('devices', 500);
const concurrency = arg('concurrency', 50);
const port = arg('port', 21340);
const brokerPort = port + 1;

const dir = mkdtempSync(join(tmpdir(), 'bench-dtls-'));
const pskFile = join(dir, 'psk.txt');
writeFileSync(pskFile, Array.from({ length: devices }, (_, i) => `dev${i}:0x${Buffer.from(`key-of-device-${i}`).toString('hex')}`).join('\n') + '\n');
const configFile = join(dir, 'gateway.json');
writeFileSync(
  configFile,
  JSON.stringify({
    log: { level: 'warn' },
    upstream: { embedded: { bind: `127.0.0.1:${brokerPort}` } },
    mqttsn: { enable: false },
    psk_authentication: { enable: true, init_file: pskFile },
    lwm2m: {
      lifetime_max: '86400s',
      listeners: {
        udp: { default: { bind: `127.0.0.1:${port + 2}` } },
        dtls: { default: { bind: `127.0.0.1:${port}`, dtls_options: { handshake_rate_per_source: 0, max_handshakes: 10_000 } } },
      },
    },
  }),
);

const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configFile], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
const pid = child.pid as number;

const sockets: dtls.Socket[] = [];

function openSession(i: number): Promise<dtls.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dtls.createSocket({
      type: 'udp4',
      address: '127.0.0.1',
      port,
      psk: { [`dev${i}`]: `key-of-device-${i}` },
      timeout: 10_000,
      ciphers: ['TLS_PSK_WITH_AES_128_CCM_8'],
    });
    socket.once('connected', () => resolve(socket));
    socket.once('error', reject);
  });
}

function registerOver(socket: dtls.Socket, i: number): Promise<void> {
  const request = encodeMessage({
    type: 'CON',
    code: '0.02',
    messageId: i & 0xffff,
    token: Buffer.from([i & 0xff]),
    options: [
      { number: CoapOption.URI_PATH, value: Buffer.from('rd') },
      { number: CoapOption.URI_QUERY, value: Buffer.from(`ep=dev${i}`) },
      { number: CoapOption.URI_QUERY, value: Buffer.from('lt=86400') },
      { number: CoapOption.URI_QUERY, value: Buffer.from('lwm2m=1.1') },
    ],
    payload: Buffer.from('</1/0>,</3/0>'),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev${i}: no answer to Register`)), 10_000);
    socket.on('message', (msg: Buffer) => {
      const answer = decodeMessage(msg);
      clearTimeout(timer);
      if (answer.code === '2.01') resolve();
      else reject(new Error(`dev${i}: Register answered ${answer.code}`));
    });
    socket.send(request);
  });
}

async function runPool(count: number, offset: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await work(offset + i);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const s = await openSession(0);
      s.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error('gateway did not answer DTLS handshakes within 30 s');
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

try {
  await waitReady();
  await new Promise((r) => setTimeout(r, 500));
  const half = Math.floor(devices / 2);
  const rss0 = readRssBytes(pid) ?? 0;
  // 1. Handshakes only (sessions kept open): handshakes/s and memory per DTLS session.
  const hsSeconds = await runPool(half, 0, async (i) => {
    sockets.push(await openSession(i));
  });
  await new Promise((r) => setTimeout(r, 1000));
  const rss1 = readRssBytes(pid) ?? 0;
  // 2. Handshake + Register: secured registrations/s and memory per secured device.
  const regSeconds = await runPool(devices - half, half, async (i) => {
    const socket = await openSession(i);
    sockets.push(socket);
    await registerOver(socket, i);
  });
  await new Promise((r) => setTimeout(r, 1000));
  const rss2 = readRssBytes(pid) ?? 0;
  const result = {
    devices,
    concurrency,
    handshakesPerSecond: Math.round(half / hsSeconds),
    securedRegistrationsPerSecond: Math.round((devices - half) / regSeconds),
    rssPerDtlsSessionBytes: Math.round((rss1 - rss0) / half),
    rssPerSecuredRegistrationBytes: Math.round((rss2 - rss1) / (devices - half)),
    gatewayRss: { idle: mib(rss0), withSessions: mib(rss1), withRegistrations: mib(rss2) },
    node: process.version,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const s of sockets) s.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
}
