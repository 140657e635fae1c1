/**
 * `npm run fuzz -- [--seed N] [--count N] [--batch N] [--tick-ms N] [--mode transparent|aggregating] [--in-process]`
 *
 * Seeded mutation fuzzing of both protocols (test/fuzz) against the real
 * gateway: by default a child process (`node --import tsx src/main.ts`) on
 * free loopback ports with its embedded broker, so a crash is a process exit
 * and memory is its RSS. Prints datagrams per protocol, crashes, well-behaved
 * messages lost and RSS before/after; exits 1 if anything was lost or the
 * gateway crashed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFuzz, type FuzzResult, type FuzzTarget } from '../test/fuzz/driver.js';
import { FUZZ_BOOTSTRAP_FILE, FUZZ_GATEWAY_CONFIG, startInProcessTarget } from '../test/fuzz/in-process-target.js';
import { freeUdpPort } from './common/free-port.js';
import { parseOptions, type OptionSpecs } from './common/options.js';
import { readUdpCounters, udpDelta } from './common/udp-counters.js';
import { spawnGateway, type GatewayHandle } from './gateway-process.js';

const SPECS: OptionSpecs = {
  seed: { type: 'number', default: 1, help: 'PRNG seed: the same seed sends the same datagrams' },
  count: { type: 'number', default: 300_000, help: 'datagrams per protocol' },
  batch: { type: 'number', default: 64, help: 'datagrams per protocol per tick' },
  'tick-ms': { type: 'number', default: 0, help: 'extra pause between ticks (each tick already waits for the gateway to answer a probe)' },
  mode: { type: 'string', default: '', help: 'upstream.mode of the spawned gateway (transparent or aggregating; default: the configuration default)' },
  'in-process': { type: 'boolean', default: false, help: 'run the gateway in this process (heap after GC instead of RSS)' },
};

const MiB = 1024 * 1024;
const mib = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / MiB).toFixed(1)} MiB`);

async function spawnedTarget(mode: string): Promise<{ target: FuzzTarget; handle: GatewayHandle; cleanup: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snlw-fuzz-'));
  const extra = path.join(dir, 'fuzz.json');
  const { mqttsn, lwm2m } = FUZZ_GATEWAY_CONFIG;
  const bootstrapPort = await freeUdpPort();
  // The listeners' binds come from spawnGateway (free loopback ports); only the limits and timers are merged in.
  writeFileSync(
    extra,
    JSON.stringify({
      ...(mode === '' ? {} : { upstream: { mode } }),
      mqttsn: { listeners: { udp: { default: { max_connections: mqttsn.listeners.udp.default.max_connections } } } },
      lwm2m: { coap: lwm2m.coap, bootstrap: { config_file: FUZZ_BOOTSTRAP_FILE, listeners: { udp: { default: { bind: `127.0.0.1:${bootstrapPort}` } } } } },
    }),
  );
  const handle = await spawnGateway({ entry: 'src', extraConfigFile: extra, nodeArgs: '', waitFor: 'lwm2m', readyDeadline: performance.now() + 30_000 });
  const target: FuzzTarget = {
    mqttsn: handle.mqttsn,
    lwm2m: handle.lwm2m,
    bootstrap: { host: '127.0.0.1', port: bootstrapPort },
    brokerUrl: handle.brokerUrl,
    crashed: () => {
      try {
        handle.assertAlive();
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
    memory: () => handle.rss(),
    errorsLogged: () => {
      try {
        return readFileSync(handle.logFile ?? '', 'utf8')
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line));
      } catch {
        return [];
      }
    },
  };
  return { target, handle, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function report(result: FuzzResult, memoryLabel: string): string {
  const wb = result.wellBehaved;
  const lost = wb.snUplinkLost + wb.snDownlinkLost + wb.lwm2mReadsLost;
  return [
    `seed ${result.seed}, ${(result.durationMs / 1000).toFixed(1)} s`,
    `datagrams fuzzed: MQTT-SN ${result.datagrams.mqttsn}, LwM2M/CoAP ${result.datagrams.lwm2m}, of which ${result.datagrams.bootstrap} to the bootstrap server (answers: ${result.answers.mqttsn}, ${result.answers.lwm2m})`,
    `crashes: ${result.crash === undefined ? 0 : 1}${result.crash === undefined ? '' : ` (${result.crash.split('\n')[0]})`}`,
    `errors logged: ${result.errorsLogged.length}${result.errorsLogged.map((line) => `\n  ${line.slice(0, 300)}`).join('')}`,
    `well-behaved messages lost: ${lost} (MQTT-SN uplink ${wb.snUplinkLost}/${wb.snUplinkSent}, downlink ${wb.snDownlinkLost}/${wb.snDownlinkSent}; LwM2M reads ${wb.lwm2mReadsLost}/${wb.lwm2mReadsSent}; DISCONNECTs ${wb.snDisconnects}${wb.snRefusals.length > 0 ? `; refusals: ${wb.snRefusals.join('; ')}` : ''})`,
    `${memoryLabel} before/after: ${mib(result.memoryBefore)} / ${mib(result.memoryAfter)}`,
    ...(result.memorySamples.length === 0
      ? []
      : [`${memoryLabel} during the run: ${result.memorySamples.map(([sent, bytes]) => `${sent / 1000}k ${mib(bytes)}`).join(', ')}`]),
    `pacing probes unanswered within 2 s: ${result.probesUnanswered}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), SPECS);
  const count = options.num('count');
  const fuzzOptions = {
    seed: options.num('seed'),
    count,
    batch: options.num('batch'),
    tickMs: options.num('tick-ms'),
    drainMs: 30_000,
    sampleEvery: 50_000,
    progress: (sent: number) => {
      if (sent % 50_000 < options.num('batch')) process.stderr.write(`  ${sent} / ${count} per protocol\n`);
    },
  };
  if (options.bool('in-process')) {
    const target = await startInProcessTarget();
    try {
      const result = await runFuzz(target, fuzzOptions);
      process.stdout.write(`${report(result, 'heap after GC')}\n`);
      const sn = target.mqttsnGateway;
      let buffered = 0;
      for (const session of sn.table.values()) buffered += session.pending.size;
      process.stdout.write(
        `tables after: MQTT-SN sessions ${sn.sessionCount} (max_connections ${FUZZ_GATEWAY_CONFIG.mqttsn.listeners.udp.default.max_connections}), peers ${sn.table.peerCount}, downlink messages buffered ${buffered}; LwM2M registrations ${target.lwm2mGateway.store.size}; process RSS ${mib(process.memoryUsage().rss)}\n`,
      );
      process.exitCode = failed(result) ? 1 : 0;
    } finally {
      await target.close();
    }
    return;
  }
  const { target, handle, cleanup } = await spawnedTarget(options.str('mode'));
  let result: FuzzResult | undefined;
  try {
    const udpBefore = readUdpCounters();
    result = await runFuzz(target, fuzzOptions);
    const drops = udpDelta(udpBefore, readUdpCounters())?.['RcvbufErrors'];
    process.stdout.write(`gateway: ${handle.command}\n${report(result, 'gateway RSS')}\n`);
    // Host-wide (other traffic on the machine counts too): datagrams the kernel dropped because a receive buffer was full.
    if (drops !== undefined) process.stdout.write(`UDP receive-buffer drops on this host during the run: ${drops}\n`);
    process.exitCode = failed(result) ? 1 : 0;
  } finally {
    await handle.stop();
    cleanup(); // the merged-in config; the gateway's own config and log stay when the run failed
    if (result !== undefined && !failed(result)) {
      handle.removeFiles();
    } else {
      process.stdout.write(`gateway log kept: ${handle.logFile}\n`);
    }
  }
}

function failed(result: FuzzResult): boolean {
  const wb = result.wellBehaved;
  return result.crash !== undefined || result.errorsLogged.length > 0 || wb.snUplinkLost + wb.snDownlinkLost + wb.lwm2mReadsLost + wb.snDisconnects > 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
