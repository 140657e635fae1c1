import { MsgType, type TopicRef } from '../../mqttsn/codec/index.js';
import { formatOptions, Options, parseArgs, type OptionSpec, UsageError } from '../args.js';
import { createProgress, isTerminal } from '../output.js';
import { type Delivery, SnClient } from './client.js';
import { clientIdOf, clientOptionsOf, COMMON_SN_OPTIONS, willOf } from './common-options.js';
import { describeTopicRef } from './describe.js';

const SUB_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'topic',
    short: 't',
    value: true,
    repeat: true,
    arg: 'FILTER',
    help: 'topic filter to subscribe to (repeatable; wildcards allowed; two characters = short topic name)',
  },
  { name: 'topic-id', short: 'T', value: true, repeat: true, arg: 'ID', help: 'predefined topic id to subscribe to (repeatable)' },
  { name: 'verbose', short: 'v', value: false, help: 'print "topic payload" instead of the payload alone' },
  { name: 'count', short: 'C', value: true, arg: 'N', help: 'exit after N messages' },
  ...COMMON_SN_OPTIONS,
];

export const SUB_USAGE = `Usage: snlw sub [-h HOST] [-p PORT] {-t FILTER | -T ID}... [-q 0|1|2] [-v] [-C N] [-W SECONDS]
                [-i ID] [-k SECONDS] [-c] [--sleep SECONDS] [--node-id HEX] [--will-topic T ...] [-d]

Subscribes over MQTT-SN v1.2 and prints each message on stdout. With --sleep the client sleeps
(DISCONNECT with a duration) and wakes every SECONDS with PINGREQ to collect what the gateway buffered.

${formatOptions(SUB_OPTIONS)}
`;

export async function runSub(argv: readonly string[]): Promise<number> {
  const opts = new Options(parseArgs(argv, SUB_OPTIONS));
  if (opts.has('help')) {
    process.stdout.write(SUB_USAGE);
    return 0;
  }
  const qos = (opts.integer('qos', 0, 2) ?? 0) as 0 | 1 | 2;
  const refs = topicRefsOf(opts);
  const limit = opts.integer('count', 1, Number.MAX_SAFE_INTEGER);
  const keepAlive = opts.integer('keepalive', 0, 0xffff) ?? 60;
  const sleep = opts.seconds('sleep', 1);
  if (sleep !== undefined && sleep > 0xffff) throw new UsageError('--sleep: at most 65535 seconds (MQTT-SN v1.2 §5.4.21)');
  const timeoutSeconds = opts.seconds('timeout', 0);
  const verbose = opts.has('verbose');
  const debug = opts.has('debug') ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const clientId = clientIdOf(opts, 'snlw-sub');
  const will = willOf(opts);

  const client = await SnClient.open(clientOptionsOf(opts, debug));
  // A status line only when the messages go elsewhere (stdout redirected): on one terminal it would tangle with them.
  const progress = isTerminal() && process.stdout.isTTY !== true && !opts.has('debug') ? createProgress('snlw sub', 'messages', limit) : undefined;
  let received = 0;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  client.onMessage = (delivery: Delivery) => {
    if (limit !== undefined && received >= limit) return;
    received += 1;
    const payload = delivery.packet.data.toString('utf8');
    process.stdout.write(verbose ? `${delivery.topic} ${payload}\n` : `${payload}\n`);
    progress?.tick();
    if (limit !== undefined && received >= limit) finish(0);
  };
  client.onDisconnect = () => {
    process.stderr.write('snlw sub: the gateway ended the connection (DISCONNECT)\n');
    finish(1);
  };
  const timers: NodeJS.Timeout[] = [];
  if (timeoutSeconds !== undefined) {
    timers.push(
      setTimeout(() => {
        process.stderr.write(`snlw sub: timed out after ${timeoutSeconds} s (${received} messages)\n`);
        finish(1);
      }, timeoutSeconds * 1000),
    );
  }
  const onSignal = (): void => finish(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let connected = false;
  const setUp = async (): Promise<void> => {
    await client.connect({ clientId, keepAlive, cleanSession: !opts.has('disable-clean-session'), will });
    connected = true;
    for (const { ref, label } of refs) {
      const granted = await client.subscribe(ref, qos);
      if (ref.kind === 'predefined') client.topicNames.set(ref.id, label);
      if (debug !== undefined) debug(`subscribed ${label} (granted QoS ${granted.qos}, topic id ${granted.topicId})`);
    }
    if (sleep === undefined) {
      // The client's side of keepalive (§6.15): PINGREQ every keepalive period.
      if (keepAlive > 0) timers.push(setInterval(() => client.send({ type: MsgType.PINGREQ }), keepAlive * 1000).unref());
    } else {
      await client.disconnect(sleep);
      void wakeLoop(client, clientId, sleep, (err) => {
        process.stderr.write(`snlw sub: ${err.message}\n`);
        finish(1);
      });
    }
  };
  try {
    // -W also bounds the set-up (CONNECT, SUBSCRIBE): whichever ends first decides.
    let ended = false;
    setUp().catch((err: unknown) => {
      if (ended) return;
      process.stderr.write(`snlw sub: ${err instanceof Error ? err.message : String(err)}\n`);
      finish(1);
    });
    const code = await done;
    ended = true;
    return code;
  } finally {
    for (const t of timers) clearTimeout(t);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (progress !== undefined) progress.finish(`snlw sub: ${received} messages`);
    else if (isTerminal()) process.stderr.write(`snlw sub: ${received} messages\n`);
    // A sleeper ends its session with a DISCONNECT without duration (§6.14) like an active client.
    if (connected) await client.disconnect().catch(() => undefined);
    await client.close();
  }
}

/** Sleeps `seconds`, wakes with PINGREQ(clientId), collects the buffered messages until PINGRESP, repeats (§6.14). */
async function wakeLoop(client: SnClient, clientId: string, seconds: number, fail: (err: Error) => void): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, seconds * 1000).unref());
    try {
      await client.ping(clientId);
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
  }
}

function topicRefsOf(opts: Options): { ref: TopicRef; label: string }[] {
  const refs: { ref: TopicRef; label: string }[] = [];
  for (const name of opts.strings('topic')) {
    if (name === '') throw new UsageError('-t: empty topic filter');
    const ref: TopicRef = Buffer.byteLength(name) === 2 && !/[+#]/.test(name) ? { kind: 'short', name } : { kind: 'name', name };
    refs.push({ ref, label: name });
  }
  for (const text of opts.strings('topic-id')) {
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 0xfffe) throw new UsageError(`-T must be a topic id 1..65534, got "${text}"`);
    const ref: TopicRef = { kind: 'predefined', id: Number(text) };
    refs.push({ ref, label: describeTopicRef(ref) });
  }
  if (refs.length === 0) throw new UsageError('at least one -t FILTER or -T ID is needed');
  return refs;
}
