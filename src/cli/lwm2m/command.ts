import { randomInt } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { loadConfig } from '../../config/load.js';
import type { GatewayConfig } from '../../config/types.js';
import { loadModelDirectory } from '../../lwm2m/model/xml-loader.js';
import { createModelRegistry } from '../../lwm2m/model/registry.js';
import { parsePath } from '../../lwm2m/path.js';
import { formatOptions, Options, parseArgs, type OptionSpec, UsageError } from '../args.js';
import { defaultBrokerUrl, fromBind } from '../endpoints.js';

const COMMAND_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'url',
    short: 'L',
    value: true,
    arg: 'URL',
    help: "broker URL (default: the gateway's broker from --config / GATEWAY_UPSTREAM_SERVER / GATEWAY_EMBEDDED_BIND)",
  },
  {
    name: 'config',
    short: 'c',
    value: true,
    arg: 'FILE',
    help: 'gateway config file: mountpoint, translators and broker are taken from it (default config/gateway.json if present)',
  },
  { name: 'username', short: 'u', value: true, arg: 'NAME', help: 'broker username' },
  { name: 'password', short: 'P', value: true, arg: 'TEXT', help: 'broker password' },
  { name: 'type', short: 'y', value: true, arg: 'TYPE', help: 'write, write-composite: value type (default: from the object definition, else String)' },
  { name: 'format', short: 'F', value: true, arg: 'FORMAT', help: 'composite actions: senml+json or senml+cbor (default: the gateway chooses)' },
  {
    name: 'count',
    short: 'C',
    value: true,
    arg: 'N',
    help: 'observe, observe-composite: exit after N notifications (default: until Ctrl-C, which cancels the observation)',
  },
  { name: 'timeout', short: 'W', value: true, arg: 'SECONDS', help: "wait this long for the answer (default 100: covers the gateway's CoAP retransmissions)" },
  { name: 'help', value: false, help: 'print this help' },
];

export const COMMAND_USAGE = `Usage: snlw command ENDPOINT ACTION PATH [ARGS...] [options]

Publishes an LwM2M command (EMQX's JSON) to the gateway's command topic for ENDPOINT and prints the
answer as it arrives on the response topic (one JSON object a line).

Actions:
  read PATH                     discover PATH                  delete PATH
  write PATH VALUE [-y TYPE]    write PATH RES=VALUE...        (several resources below an instance)
  write-attr PATH pmin=10 pmax=60 ...
  execute PATH [ARGS]           create /OID IID/RID=VALUE...
  observe PATH [-C N]           cancel-observe PATH

LwM2M 1.1 composite actions (several paths in one exchange; -F senml+json | senml+cbor):
  read-composite PATH...        observe-composite PATH... [-C N]
  write-composite PATH=VALUE... [-y TYPE]                      cancel-observe-composite PATH...

${formatOptions(COMMAND_OPTIONS)}
`;

interface Topics {
  readonly command: string;
  readonly response: string;
  readonly notify: string;
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const opts = new Options(parseArgs(argv, COMMAND_OPTIONS));
  if (opts.has('help')) {
    process.stdout.write(COMMAND_USAGE);
    return 0;
  }
  const [endpoint, action, pathText, ...rest] = opts.parsed.positionals;
  if (endpoint === undefined || action === undefined || pathText === undefined)
    throw new UsageError('usage: snlw command ENDPOINT ACTION PATH [ARGS...]; see --help');
  const configFile = opts.string('config');
  const config = await loadConfig({ argv: configFile === undefined ? [] : ['--config', configFile], env: process.env });
  const data = await commandData(action, pathText, rest, opts, config);
  const topics = topicsFor(config, endpoint);
  const url = opts.string('url') ?? brokerUrlOf(config);
  const limit = opts.integer('count', 1, Number.MAX_SAFE_INTEGER);
  const timeoutSeconds = opts.seconds('timeout', 0) ?? 100;
  const reqID = randomInt(1, 2 ** 31);
  const username = opts.string('username') ?? config.upstream.client.basicAuth?.username;
  const password = opts.string('password') ?? config.upstream.client.basicAuth?.password;

  const client: MqttClient = await connectAsync(url, {
    clientId: `snlw-command-${process.pid}`,
    connectTimeout: 10_000,
    reconnectPeriod: 0,
    ...(username === undefined || username === '' ? {} : { username }),
    ...(password === undefined || password === '' ? {} : { password }),
  });
  try {
    const filters = [...new Set([topics.response, topics.notify])];
    await client.subscribeAsync(filters, { qos: 1 });
    const observing = action === 'observe' || action === 'observe-composite' ? action : undefined;
    const result = await new Promise<number>((resolveResult) => {
      let notifications = 0;
      const timer = setTimeout(() => {
        process.stderr.write(`snlw command: no answer on ${topics.response} within ${timeoutSeconds} s (is ${endpoint} registered?)\n`);
        resolveResult(1);
      }, timeoutSeconds * 1000);
      const finish = (code: number): void => {
        clearTimeout(timer);
        resolveResult(code);
      };
      // Leaving an observation (after -C N, or Ctrl-C) cancels it on the device first.
      const cancelAndFinish = (code: number): void => {
        clearTimeout(timer);
        const cancel =
          observing === 'observe-composite'
            ? { msgType: 'cancel-observe-composite', data: { paths: data['paths'], ...(data['format'] === undefined ? {} : { format: data['format'] }) } }
            : { msgType: 'cancel-observe', data: { path: pathText } };
        client.publish(topics.command, JSON.stringify({ reqID: reqID + 1, ...cancel }), { qos: 1 }, () => finish(code));
      };
      const onSignal = (): void => (observing !== undefined ? cancelAndFinish(0) : finish(130));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      client.on('message', (_topic, payload) => {
        let message: { reqID?: unknown; msgType?: unknown; data?: { code?: unknown } };
        try {
          message = JSON.parse(payload.toString('utf8')) as typeof message;
        } catch {
          return;
        }
        if (message.reqID !== reqID) return;
        if (message.msgType === 'ack') return; // a separate response follows
        process.stdout.write(`${payload.toString('utf8')}\n`);
        if (message.msgType === 'coap_timeout' || message.msgType === 'coap_reset') return finish(1);
        const code = typeof message.data?.code === 'string' ? message.data.code : '';
        const ok = code.startsWith('2.');
        if (observing !== undefined && ok) {
          clearTimeout(timer);
          if (message.msgType === 'notify') notifications += 1;
          if (limit !== undefined && notifications >= limit) cancelAndFinish(0);
          return;
        }
        finish(ok ? 0 : 1);
      });
      client.publish(topics.command, JSON.stringify({ reqID, msgType: action, data }), { qos: 1 });
    });
    return result;
  } finally {
    await client.endAsync();
  }
}

/** Every topic is mountpoint + translator topic; placeholders other than the endpoint take the endpoint's value too. */
function topicsFor(config: GatewayConfig, endpoint: string): Topics {
  const { mountpoint, translators } = config.lwm2m;
  if (mountpoint.includes('${peerhost}')) throw new UsageError('lwm2m.mountpoint uses ${peerhost}: give the command topic to an MQTT client directly');
  const prefix = mountpoint.replace(/\$\{(endpoint_name|clientid|username)\}/g, endpoint);
  // A command filter such as "dn/#" is published to "dn" (EMQX 5 style).
  const command = translators.command.topic.replace(/\/?#$/, '');
  if (command.includes('+'))
    throw new UsageError(`lwm2m.translators.command.topic "${translators.command.topic}" has a "+": give the topic to an MQTT client directly`);
  return { command: prefix + command, response: prefix + translators.response.topic, notify: prefix + translators.notify.topic };
}

function brokerUrlOf(config: GatewayConfig): string {
  if (config.upstream.client.server !== '') return config.upstream.client.server;
  if (config.upstream.embedded.bind === '') return defaultBrokerUrl();
  const { host, port } = fromBind(config.upstream.embedded.bind, 1883);
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function commandData(action: string, path: string, args: readonly string[], opts: Options, config: GatewayConfig): Promise<Record<string, unknown>> {
  switch (action) {
    case 'read':
    case 'discover':
    case 'delete':
    case 'observe':
    case 'cancel-observe':
      noArgs(action, args);
      return { path };
    case 'execute':
      return args.length === 0 ? { path } : { path, args: args.join(' ') };
    case 'write-attr': {
      const data: Record<string, unknown> = { path };
      for (const [name, value] of assignments(action, args)) data[name] = value;
      return data;
    }
    case 'write': {
      if (args.length === 0) throw new UsageError('write needs a VALUE, or RES=VALUE pairs');
      const typeOf = await typeLookup(config);
      if (args.length === 1 && !args[0].includes('=')) {
        return { path, type: opts.string('type') ?? typeOf(path), value: args[0] };
      }
      const content = assignments(action, args).map(([rel, value]) => ({ path: rel, type: opts.string('type') ?? typeOf(`${path}/${rel}`), value }));
      return { basePath: path, content };
    }
    case 'read-composite':
    case 'observe-composite':
    case 'cancel-observe-composite':
      return { paths: [path, ...args].map((p) => checkedPath(p)), ...compositeFormat(opts) };
    case 'write-composite': {
      const typeOf = await typeLookup(config);
      const content = assignments(action, [path, ...args]).map(([target, value]) => ({
        path: checkedPath(target),
        type: opts.string('type') ?? typeOf(target),
        value,
      }));
      return { content, ...compositeFormat(opts) };
    }
    case 'create': {
      const typeOf = await typeLookup(config);
      const content = assignments(action, args).map(([rel, value]) => ({ path: rel, type: opts.string('type') ?? typeOf(`${path}/${rel}`), value }));
      return { basePath: path, content };
    }
    default:
      throw new UsageError(
        `unknown action "${action}"; one of read, discover, write, write-attr, execute, create, delete, observe, cancel-observe, read-composite, write-composite, observe-composite, cancel-observe-composite`,
      );
  }
}

/** A composite action's path, checked here so that a typo is a usage error rather than a device's 4.00. */
function checkedPath(text: string): string {
  try {
    parsePath(text);
  } catch {
    throw new UsageError(`invalid path "${text}"`);
  }
  return text.startsWith('/') ? text : `/${text}`;
}

function compositeFormat(opts: Options): { format?: string } {
  const format = opts.string('format');
  if (format === undefined) return {};
  if (format !== 'senml+json' && format !== 'senml+cbor') throw new UsageError(`--format must be senml+json or senml+cbor, got "${format}"`);
  return { format };
}

function noArgs(action: string, args: readonly string[]): void {
  if (args.length > 0) throw new UsageError(`${action} takes only a path, got also: ${args.join(' ')}`);
}

function assignments(action: string, args: readonly string[]): [string, string][] {
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`${action}: expected NAME=VALUE, got "${arg}"`);
    return [arg.slice(0, eq), arg.slice(eq + 1)];
  });
}

/** The write type of a resource path from the gateway's object definitions; String when unknown. */
async function typeLookup(config: GatewayConfig): Promise<(path: string) => string> {
  const { models } = await loadModelDirectory(config.lwm2m.xml_dir).catch(() => ({ models: [] }));
  const registry = createModelRegistry(models);
  return (path) => {
    try {
      const p = parsePath(path);
      if (p.resourceId === undefined) return 'String';
      const type = registry.resource(p.objectId, p.resourceId)?.type;
      return type === undefined || type === 'none' ? 'String' : type;
    } catch {
      throw new UsageError(`invalid path "${path}"`);
    }
  };
}
