import { resolve } from 'node:path';
import { resolveFromPackageRoot } from '../../config/package-root.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../lwm2m/model/xml-loader.js';
import { createModelRegistry } from '../../lwm2m/model/registry.js';
import type { ModelRegistry } from '../../lwm2m/model/types.js';
import { formatOptions, Options, parseArgs, type OptionSpec, UsageError } from '../args.js';
import { defaultLwm2mAddress, fromBind } from '../endpoints.js';
import { createProgress, formatRate, isTerminal } from '../output.js';
import { PSK_OPTIONS, pskOf } from '../psk-options.js';
import { ContentFormat } from '../../lwm2m/content/index.js';
import { bootstrap } from './bootstrap-client.js';
import { SimulatedDevice } from './simulated-device.js';

const DEVICE_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', short: 'h', value: true, arg: 'HOST', help: 'LwM2M server host (default 127.0.0.1, or the host of GATEWAY_LWM2M_BIND)' },
  { name: 'port', short: 'p', value: true, arg: 'PORT', help: 'LwM2M server UDP port (default 5683, or the port of GATEWAY_LWM2M_BIND)' },
  { name: 'id', short: 'i', value: true, arg: 'ENDPOINT', help: 'endpoint name (with -n: ENDPOINT-1 .. ENDPOINT-N); default snlw-device' },
  { name: 'count', short: 'n', value: true, arg: 'COUNT', help: 'simulate COUNT devices' },
  {
    name: 'bootstrap',
    short: 'b',
    value: true,
    arg: 'HOST:PORT',
    help: 'bootstrap first from this bootstrap server (plain CoAP), then register where it says',
  },
  { name: 'lifetime', short: 'l', value: true, arg: 'SECONDS', help: 'registration lifetime (default 300); an Update goes out before it ends' },
  { name: 'lwm2m', value: true, arg: 'VERSION', help: 'LwM2M version to register with: 1.0, 1.1 or 1.2 (default 1.1)' },
  { name: 'queue', short: 'Q', value: false, help: 'queue mode: reachable only for --awake seconds after each message it sends' },
  { name: 'awake', value: true, arg: 'SECONDS', help: 'queue mode: how long the device listens after sending (default 20)' },
  { name: 'wake', value: true, arg: 'SECONDS', help: 'queue mode: send an Update every SECONDS (default 60)' },
  {
    name: 'send-interval',
    value: true,
    arg: 'SECONDS',
    help: 'LwM2M 1.1+: Send (POST /dp) the temperature and battery level right after registering, then every SECONDS',
  },
  { name: 'send-format', value: true, arg: 'FORMAT', help: 'Send as senml+cbor (default) or senml+json' },
  { name: 'objects', value: true, arg: 'LIST', help: 'object ids to offer (default 1,3,3303,6)' },
  { name: 'xml-dir', value: true, arg: 'DIR', help: "object definitions (default the gateway's xml/, or GATEWAY_XML_DIR)" },
  { name: 'duration', value: true, arg: 'SECONDS', help: 'de-register and exit after SECONDS (default: run until Ctrl-C)' },
  ...PSK_OPTIONS,
  { name: 'verbose', short: 'v', value: false, help: 'with -n: print every request, not just the counts' },
  { name: 'help', value: false, help: 'print this help' },
];

export const DEVICE_USAGE = `Usage: snlw device [-h HOST] [-p PORT | -b HOST:PORT] [-i ENDPOINT] [-n COUNT] [-l SECONDS] [--lwm2m 1.0|1.1|1.2] [-Q]
                   [--send-interval SECONDS [--send-format senml+json]] [--objects 1,3,3303,6] [--duration SECONDS] [-v]

Simulated LwM2M device(s) built from the object definitions: the Device object (3), a temperature
sensor (3303) that drifts, a battery (3/0/9) that drains, a location (6). They answer read, write,
execute, discover, write-attributes and observe in text, TLV, SenML JSON / CBOR, LwM2M JSON and CBOR,
and (LwM2M 1.1 and 1.2) read-composite, write-composite, observe-composite and its cancel in SenML JSON /
CBOR; they send notifications per pmin / pmax, Send data with --send-interval, and de-register on Ctrl-C.

${formatOptions(DEVICE_OPTIONS)}
`;

/** Send formats (LwM2M 1.1 Transport §6.5.1: SenML JSON or SenML CBOR). */
const SEND_FORMATS: Readonly<Record<string, number>> = { 'senml+json': ContentFormat.SENML_JSON, 'senml+cbor': ContentFormat.SENML_CBOR };

/** Devices registering at the same time with -n. */
const REGISTER_CONCURRENCY = 50;

export async function runDevice(argv: readonly string[]): Promise<number> {
  const opts = new Options(parseArgs(argv, DEVICE_OPTIONS));
  if (opts.has('help')) {
    process.stdout.write(DEVICE_USAGE);
    return 0;
  }
  const address = defaultLwm2mAddress();
  const count = opts.integer('count', 1, 1_000_000);
  const base = opts.string('id') ?? 'snlw-device';
  const version = opts.string('lwm2m') ?? '1.1';
  if (version !== '1.0' && version !== '1.1' && version !== '1.2') throw new UsageError(`--lwm2m must be 1.0, 1.1 or 1.2, got "${version}"`);
  const objectIds = (opts.string('objects') ?? '1,3,3303,6').split(',').map((s) => {
    const id = Number(s.trim());
    if (!Number.isInteger(id) || id < 0 || id > 65535) throw new UsageError(`--objects: "${s}" is not an object id`);
    return id;
  });
  const duration = opts.seconds('duration', 0);
  const sendIntervalSeconds = opts.seconds('send-interval', 1);
  // Node timers hold at most 2^31 - 1 ms.
  if (sendIntervalSeconds !== undefined && sendIntervalSeconds > 2_147_483)
    throw new UsageError(`--send-interval must be at most 2147483 seconds, got ${sendIntervalSeconds}`);
  if (sendIntervalSeconds !== undefined && version === '1.0') throw new UsageError('--send-interval needs --lwm2m 1.1 or 1.2 (Send is not in LwM2M 1.0)');
  const sendFormatName = opts.string('send-format') ?? 'senml+cbor';
  const sendFormat = SEND_FORMATS[sendFormatName];
  if (sendFormat === undefined) throw new UsageError(`--send-format must be senml+json or senml+cbor, got "${sendFormatName}"`);
  const xmlOption = opts.string('xml-dir');
  const envDir = process.env.GATEWAY_XML_DIR;
  const models = await loadModels(
    xmlOption !== undefined ? resolve(xmlOption) : envDir !== undefined && envDir !== '' ? resolveFromPackageRoot(envDir) : undefined,
  );
  const missing = objectIds.filter((id) => models.get(id) === undefined);
  if (missing.length > 0) throw new UsageError(`--objects: no object definition loaded for ${missing.join(', ')}`);

  const many = count !== undefined;
  const verbose = !many || opts.has('verbose');
  const log = verbose ? (line: string) => process.stdout.write(`${line}\n`) : () => undefined;
  const endpoints = many ? Array.from({ length: count }, (_, i) => `${base}-${i + 1}`) : [base];
  const bootstrapServer = opts.string('bootstrap') === undefined ? undefined : fromBind(opts.string('bootstrap'), 5685);
  const host = opts.string('host') ?? address.host;
  const port = opts.integer('port', 1, 65535) ?? address.port;
  const lifetime = opts.integer('lifetime', 1, 0x7fffffff) ?? 300;
  const psk = pskOf(opts);
  const create = async (endpoint: string): Promise<SimulatedDevice> => {
    const account = bootstrapServer === undefined ? undefined : await bootstrap(bootstrapServer.host, bootstrapServer.port, endpoint, models, log);
    return new SimulatedDevice({
      host: account?.host ?? host,
      port: account?.port ?? port,
      endpoint,
      lifetime: account?.lifetime ?? lifetime,
      psk,
      lwm2mVersion: version,
      queueMode: opts.has('queue'),
      awakeSeconds: opts.seconds('awake', 1) ?? 20,
      wakeSeconds: opts.seconds('wake', 1) ?? 60,
      objectIds,
      models,
      sendIntervalSeconds,
      sendFormat,
      log,
    });
  };
  const devices = endpoints;

  const started: SimulatedDevice[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.allSettled(started.map((d) => d.stop()));
  };
  const registerStart = Date.now();
  const progress = many ? createProgress('snlw device: registering', 'devices', devices.length) : undefined;
  let failed = 0;
  let firstError: string | undefined;
  const queue = [...devices];
  await Promise.all(
    Array.from({ length: Math.min(REGISTER_CONCURRENCY, queue.length) }, async () => {
      for (let endpoint = queue.shift(); endpoint !== undefined && !stopping; endpoint = queue.shift()) {
        let device: SimulatedDevice | undefined;
        try {
          device = await create(endpoint);
          await device.start();
          started.push(device);
        } catch (err) {
          await device?.stop();
          failed += 1;
          firstError ??= err instanceof Error ? err.message : String(err);
          progress?.note(`${failed} failed`);
        }
        progress?.tick();
      }
    }),
  );
  const elapsedMs = Date.now() - registerStart;
  const timing = isTerminal() ? ` in ${(elapsedMs / 1000).toFixed(1)} s (${formatRate(started.length, elapsedMs)} devices/s)` : '';
  progress?.finish(`snlw device: ${started.length} of ${devices.length} devices registered${timing}${failed > 0 ? `, ${failed} failed (${firstError})` : ''}`);
  if (started.length === 0) {
    await stopAll();
    throw new Error(firstError ?? 'no device registered');
  }

  const status =
    many && isTerminal()
      ? setInterval(() => {
          const requests = started.reduce((n, d) => n + d.counters.requests, 0);
          const notifications = started.reduce((n, d) => n + d.counters.notifications, 0);
          const sends = sendIntervalSeconds === undefined ? '' : `, ${started.reduce((n, d) => n + d.counters.sends, 0)} sends`;
          process.stderr.write(
            `\r\x1b[2Ksnlw device: ${started.length} registered, ${requests} requests answered, ${notifications} notifications${sends} (Ctrl-C to de-register)`,
          );
        }, 500)
      : undefined;

  await new Promise<void>((resolveWait) => {
    const done = (): void => resolveWait();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (duration !== undefined) setTimeout(done, duration * 1000);
  });
  if (status !== undefined) {
    clearInterval(status);
    process.stderr.write('\r\x1b[2K');
  }
  await stopAll();
  if (many) {
    const requests = started.reduce((n, d) => n + d.counters.requests, 0);
    process.stderr.write(`snlw device: ${started.length} devices de-registered; ${requests} requests answered\n`);
  }
  return failed > 0 ? 1 : 0;
}

async function loadModels(dir: string | undefined): Promise<ModelRegistry> {
  const path = dir ?? SHIPPED_XML_DIR;
  const { models, problems } = await loadModelDirectory(path);
  if (models.length === 0) {
    throw new UsageError(`no object definitions loaded from ${path}${problems[0] === undefined ? '' : `: ${problems[0].reason}`}`);
  }
  return createModelRegistry(models);
}
