import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readCpuSeconds } from './common/cpu-time.js';
import { machineInfo } from './common/machine.js';
import { formatHelp, OptionError, parseOptions, type OptionSpecs } from './common/options.js';
import { formatReport, writeReport, type RunReport } from './common/report.js';
import type { ScenarioContext, ScenarioMetrics } from './common/scenario.js';
import { splitHostPort } from './common/split-host-port.js';
import { delay } from './common/time.js';
import { readUdpCounters, udpDelta } from './common/udp-counters.js';
import { externalGateway, repoRoot, spawnGateway, spawnResponder, type GatewayHandle } from './gateway-process.js';
import { findScenario, scenarios } from './scenarios.js';

/**
 * `npm run bench -- <scenario> [options]`: sets up the process under test (spawned
 * gateway, reference responder, or --external), runs one scenario under a hard time
 * limit, prints a table and writes bench/results/<scenario>-<timestamp>.json.
 */
const commonOptions: OptionSpecs = {
  external: { type: 'string', default: '', help: 'host:port of an already running gateway (MQTT-SN, or CoAP for lwm2m-*); nothing is spawned' },
  host: { type: 'string', default: '', help: 'gateway host (implies external; port defaults to 1884 MQTT-SN / 5683 LwM2M)' },
  port: { type: 'number', default: 0, help: 'gateway port (implies external)' },
  broker: { type: 'string', default: 'mqtt://127.0.0.1:1883', help: 'MQTT broker of an external gateway' },
  pid: { type: 'number', default: 0, help: 'pid of an external gateway, to report its RSS' },
  'gateway-entry': {
    type: 'string',
    default: 'src',
    help: 'spawned gateway: "src" (node --import tsx src/main.ts) or "dist" (node dist/main.js, after npm run build)',
  },
  'gateway-config': { type: 'string', default: '', help: 'JSON file deep-merged over the generated gateway config (e.g. {"upstream":{"mode":"aggregating"}})' },
  'node-args': { type: 'string', default: '', help: 'extra node flags for the spawned process' },
  'cpu-prof': { type: 'boolean', default: false, help: 'spawned process: write a V8 CPU profile to <out>/profiles (summarise with bench/profile-summary.ts)' },
  'local-hosts': { type: 'number', default: 1, help: 'spread client sockets over 127.0.0.1..127.0.0.N (needed beyond ~28,000 sockets)' },
  timeout: { type: 'number', default: 120, help: 'hard time limit of the scenario, seconds' },
  'ready-timeout': { type: 'number', default: 30, help: 'seconds to wait for a spawned process to answer' },
  out: { type: 'string', default: 'bench/results', help: 'directory for the JSON result (relative to the repository root)' },
  'allow-remote': { type: 'boolean', default: false, help: 'allow a target or broker that is not on the loopback interface' },
};

function usage(): string {
  const list = scenarios.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`).join('\n');
  return (
    `usage: npm run bench -- <scenario> [options]\n\nscenarios:\n${list}\n\ncommon options:\n${formatHelp(commonOptions)}\n\n` +
    'scenario options: npm run bench -- <scenario> --help'
  );
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const scenario = findScenario(name);
  if (!scenario) {
    process.stderr.write(`unknown scenario "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `${scenario.name}: ${scenario.summary}\n\noptions:\n${formatHelp(scenario.options)}\n\ncommon options:\n${formatHelp(commonOptions)}\n`,
    );
    return 0;
  }
  const options = parseOptions(argv.slice(1), { ...commonOptions, ...scenario.options });
  const timeoutS = options.num('timeout');
  // Last resort: whatever hangs, the process ends.
  setTimeout(
    () => {
      process.stderr.write(`bench: hard time limit (${timeoutS} s + 30 s) exceeded, exiting\n`);
      process.exit(3);
    },
    (timeoutS + 30) * 1000,
  ).unref();

  const log = (line: string): void => void process.stderr.write(`[bench ${scenario.name}] ${line}\n`);
  const readyDeadline = performance.now() + options.num('ready-timeout') * 1000;
  const outDir = path.resolve(repoRoot, options.str('out'));
  const profileDir = path.join(outDir, 'profiles');
  const nodeArgs = `${options.str('node-args')}${options.bool('cpu-prof') ? ` --cpu-prof --cpu-prof-dir=${profileDir}` : ''}`;
  const profilesBefore = new Set(listProfiles(profileDir));
  const defaultPort = scenario.target === 'lwm2m' ? 5683 : 1884;
  let gateway: GatewayHandle;
  if (scenario.target === 'responder') {
    gateway = await spawnResponder({ nodeArgs, readyDeadline });
  } else if (options.str('external') || options.given('host') || options.given('port')) {
    const ep = options.str('external')
      ? splitHostPort(options.str('external'), '--external')
      : { host: options.str('host') || '127.0.0.1', port: options.num('port') || defaultPort };
    const pid = options.num('pid') > 0 ? options.num('pid') : undefined;
    if (!options.bool('allow-remote')) {
      const brokerHost = new URL(options.str('broker')).hostname;
      for (const h of [ep.host, brokerHost]) {
        if (!isLoopback(h)) throw new OptionError(`${h} is not a loopback address; load tests leave this machine only with --allow-remote`);
      }
    }
    gateway = externalGateway({ mqttsn: ep, lwm2m: ep, brokerUrl: options.str('broker'), pid });
  } else {
    const entry = options.str('gateway-entry');
    if (entry !== 'src' && entry !== 'dist') throw new OptionError('--gateway-entry must be "src" or "dist"');
    gateway = await spawnGateway({
      entry,
      extraConfigFile: options.str('gateway-config'),
      nodeArgs,
      waitFor: scenario.target === 'lwm2m' ? 'lwm2m' : 'mqttsn',
      readyDeadline,
    });
    log(`spawned gateway pid ${gateway.pid}: ${gateway.command}`);
  }
  const target = scenario.target === 'lwm2m' ? gateway.lwm2m : gateway.mqttsn;
  const startedAt = new Date().toISOString();
  try {
    await delay(300);
    const rssBefore = gateway.rss();
    const ctx: ScenarioContext = {
      options,
      target,
      lwm2mTarget: gateway.lwm2m,
      brokerUrl: gateway.brokerUrl,
      httpUrl: gateway.httpUrl,
      runTag: randomBytes(3).toString('hex'),
      deadline: performance.now() + timeoutS * 1000,
      sampleRss: () => gateway.rss(),
      sampleCpuSeconds: () => (gateway.pid !== undefined ? readCpuSeconds(gateway.pid) : undefined),
      log,
    };
    const udpBefore = readUdpCounters();
    const cpuBefore = gateway.pid !== undefined ? readCpuSeconds(gateway.pid) : undefined;
    const ownCpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    let metrics: ScenarioMetrics;
    try {
      metrics = await scenario.run(ctx);
    } catch (err) {
      gateway.assertAlive();
      throw err;
    }
    const udp = udpDelta(udpBefore, readUdpCounters());
    const wallS = (performance.now() - wallBefore) / 1000;
    const cpuAfter = gateway.pid !== undefined ? readCpuSeconds(gateway.pid) : undefined;
    const gatewayCpuS = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const own = process.cpuUsage(ownCpuBefore);
    const ownCpuS = (own.user + own.system) / 1e6;
    gateway.assertAlive();
    const rssAfter = gateway.rss();
    const units = metrics.rssPerUnitOf ?? (numberOr(options, 'clients') || numberOr(options, 'devices'));
    const loaded = metrics.rssLoadedBytes;
    const grown = (loaded ?? rssAfter) !== undefined && rssBefore !== undefined ? (loaded ?? rssAfter ?? 0) - rssBefore : undefined;
    const report: RunReport = {
      scenario: scenario.name,
      startedAt,
      parameters: options.toJSON(),
      machine: machineInfo(),
      gateway: {
        kind: gateway.kind,
        target: `${target.host}:${target.port}`,
        brokerUrl: gateway.brokerUrl,
        pid: gateway.pid,
        command: gateway.command,
        config: gateway.config,
        rssBeforeBytes: rssBefore,
        rssLoadedBytes: loaded,
        rssAfterBytes: rssAfter,
        rssPerClientBytes: grown !== undefined && units > 0 ? Math.round(grown / units) : undefined,
        cpuSeconds: gatewayCpuS,
        cpuPercentOfOneCore: gatewayCpuS !== undefined ? Math.round((100 * gatewayCpuS) / wallS) : undefined,
      },
      loadGenerator: {
        cpuSeconds: round2(ownCpuS),
        cpuPercentOfOneCore: Math.round((100 * ownCpuS) / wallS),
        note: 'main bench process only (idle fleets run in worker processes)',
      },
      results: metrics,
      hostUdpCounters: udp,
    };
    process.stdout.write(formatReport(report) + '\n');
    await gateway.stop();
    gateway.removeFiles();
    const profiles = listProfiles(profileDir).filter((f) => !profilesBefore.has(f));
    const file = writeReport(outDir, profiles.length > 0 ? { ...report, cpuProfiles: profiles.map((f) => path.join(profileDir, f)) } : report);
    process.stdout.write(`  result: ${path.relative(process.cwd(), file)}\n`);
    for (const f of profiles) process.stdout.write(`  CPU profile: ${path.relative(process.cwd(), path.join(profileDir, f))}\n`);
    return 0;
  } finally {
    await gateway.stop();
  }
}

function listProfiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function numberOr(options: ReturnType<typeof parseOptions>, name: string): number {
  try {
    return options.num(name);
  } catch {
    return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const text = err instanceof OptionError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bench: ${text}\n`);
    process.exit(err instanceof OptionError ? 2 : 1);
  },
);
