import { createInterface } from 'node:readline';
import type { SnQos, TopicRef } from '../../mqttsn/codec/index.js';
import { formatOptions, Options, parseArgs, type OptionSpec, UsageError } from '../args.js';
import { createProgress } from '../output.js';
import { SnClient } from './client.js';
import { clientIdOf, clientOptionsOf, COMMON_SN_OPTIONS, readFileOption, topicOf, willOf } from './common-options.js';

const PUB_OPTIONS: readonly OptionSpec[] = [
  { name: 'topic', short: 't', value: true, arg: 'TOPIC', help: 'topic name; two characters = short topic name (no REGISTER)' },
  { name: 'topic-id', short: 'T', value: true, arg: 'ID', help: 'predefined topic id instead of -t' },
  { name: 'message', short: 'm', value: true, arg: 'TEXT', help: 'message payload' },
  { name: 'file', short: 'f', value: true, arg: 'FILE', help: 'send the contents of FILE as the message' },
  { name: 'stdin-line', short: 'l', value: false, help: 'send each line of stdin as a message' },
  { name: 'stdin-file', short: 's', value: false, help: 'send all of stdin as one message' },
  { name: 'null-message', short: 'n', value: false, help: 'send an empty message' },
  { name: 'retain', short: 'r', value: false, help: 'retain the message' },
  { name: 'count', value: true, arg: 'N', help: 'send the message N times (progress and rate on a terminal)' },
  { name: 'repeat-delay', value: true, arg: 'SECONDS', help: 'wait between repeated messages' },
  ...COMMON_SN_OPTIONS,
];

export const PUB_USAGE = `Usage: snlw pub [-h HOST] [-p PORT] {-t TOPIC | -T ID} {-m TEXT | -f FILE | -l | -s | -n} [-q -1|0|1|2] [-r]
                [-i ID] [-k SECONDS] [-c] [--count N] [--sleep SECONDS] [--node-id HEX] [--will-topic T ...] [-d]

Publishes over MQTT-SN v1.2. QoS -1 needs no connection and works with a short topic name
(two characters) or a predefined id (-T) only.

${formatOptions(PUB_OPTIONS)}
`;

export async function runPub(argv: readonly string[]): Promise<number> {
  const opts = new Options(parseArgs(argv, PUB_OPTIONS));
  if (opts.has('help')) {
    process.stdout.write(PUB_USAGE);
    return 0;
  }
  const qos = (opts.integer('qos', -1, 2) ?? 0) as SnQos;
  const { ref, label } = topicOf(opts);
  const sources = ['message', 'file', 'stdin-line', 'stdin-file', 'null-message'].filter((n) => opts.has(n));
  if (sources.length !== 1) throw new UsageError('give exactly one of -m TEXT, -f FILE, -l, -s or -n');
  if (qos === -1 && ref.kind === 'name') throw new UsageError('QoS -1 needs a short topic name (two characters) or a predefined id (-T ID)');
  if (qos === -1 && (opts.has('will-topic') || opts.has('sleep'))) throw new UsageError('QoS -1 publishes without a connection: no will, no sleep');
  const count = opts.integer('count', 1, 100_000_000) ?? 1;
  const delayMs = (opts.seconds('repeat-delay') ?? 0) * 1000;
  const sleep = opts.seconds('sleep', 1);
  if (sleep !== undefined && sleep > 0xffff) throw new UsageError('--sleep: at most 65535 seconds (MQTT-SN v1.2 §5.4.21)');
  const keepAlive = opts.integer('keepalive', 0, 0xffff) ?? 60;
  const timeoutSeconds = opts.seconds('timeout', 0);
  const debug = opts.has('debug') ? (line: string) => process.stderr.write(`${line}\n`) : undefined;

  const client = await SnClient.open(clientOptionsOf(opts, debug));
  const timeout =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          process.stderr.write(`snlw pub: timed out after ${timeoutSeconds} s\n`);
          process.exit(1);
        }, timeoutSeconds * 1000);
  timeout?.unref();
  try {
    const clientId = clientIdOf(opts, 'snlw-pub');
    if (qos !== -1) {
      await client.connect({ clientId, keepAlive, cleanSession: !opts.has('disable-clean-session'), will: willOf(opts) });
    }
    const topic: TopicRef = ref.kind === 'name' ? { kind: 'normal', id: await client.register(ref.name) } : ref;
    const retain = opts.has('retain');
    if (opts.has('stdin-line')) {
      const progress = createProgress(`snlw pub ${label}`, 'messages', undefined);
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        await client.publish(topic, Buffer.from(line), qos, retain);
        progress.tick();
      }
      progress.finish();
    } else {
      const payload = messageOf(opts, await stdinIfAsked(opts));
      const progress = count > 1 ? createProgress(`snlw pub ${label}`, 'messages', count) : undefined;
      for (let i = 0; i < count; i++) {
        await client.publish(topic, payload, qos, retain);
        progress?.tick();
        if (delayMs > 0 && i + 1 < count) await new Promise((r) => setTimeout(r, delayMs));
      }
      progress?.finish();
    }
    if (qos !== -1) await client.disconnect(sleep);
    return 0;
  } finally {
    if (timeout !== undefined) clearTimeout(timeout);
    await client.close();
  }
}

function messageOf(opts: Options, stdin: Buffer | undefined): Buffer {
  if (stdin !== undefined) return stdin;
  const file = opts.string('file');
  if (file !== undefined) return readFileOption(file);
  if (opts.has('null-message')) return Buffer.alloc(0);
  return Buffer.from(opts.string('message') ?? '');
}

async function stdinIfAsked(opts: Options): Promise<Buffer | undefined> {
  if (!opts.has('stdin-file')) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
