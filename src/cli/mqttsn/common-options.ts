import { readFileSync } from 'node:fs';
import type { TopicRef } from '../../mqttsn/codec/index.js';
import { type OptionSpec, type Options, UsageError } from '../args.js';
import { defaultMqttSnAddress } from '../endpoints.js';
import { PSK_OPTIONS, pskOf } from '../psk-options.js';
import type { SnClientOptions, WillOptions } from './client.js';

/** Options `snlw pub` and `snlw sub` share, named as mosquitto_pub / mosquitto_sub name them. */
export const COMMON_SN_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', short: 'h', value: true, arg: 'HOST', help: 'gateway host (default 127.0.0.1, or the host of GATEWAY_MQTTSN_BIND)' },
  { name: 'port', short: 'p', value: true, arg: 'PORT', help: 'gateway UDP port (default 1884, or the port of GATEWAY_MQTTSN_BIND)' },
  { name: 'id', short: 'i', value: true, arg: 'ID', help: 'client id (default snlw-<pid>)' },
  { name: 'keepalive', short: 'k', value: true, arg: 'SECONDS', help: 'keepalive (default 60)' },
  { name: 'qos', short: 'q', value: true, arg: 'QOS', help: 'quality of service' },
  { name: 'disable-clean-session', short: 'c', value: false, help: 'clean session off: the gateway keeps the session after a disconnect' },
  { name: 'timeout', short: 'W', value: true, arg: 'SECONDS', help: 'give up after this many seconds' },
  { name: 'debug', short: 'd', value: false, help: 'print every packet sent and received (stderr)' },
  { name: 'will-topic', value: true, arg: 'TOPIC', help: 'will topic (the will handshake runs when given)' },
  { name: 'will-payload', value: true, arg: 'TEXT', help: 'will message' },
  { name: 'will-qos', value: true, arg: 'QOS', help: 'will QoS 0..2' },
  { name: 'will-retain', value: false, help: 'retain the will' },
  { name: 'sleep', value: true, arg: 'SECONDS', help: 'sleeping client: DISCONNECT with this duration, wake with PINGREQ to collect messages' },
  { name: 'node-id', value: true, arg: 'HEX', help: 'forwarder encapsulation with this wireless node id (e.g. 0a1b)' },
  ...PSK_OPTIONS,
  { name: 'help', value: false, help: 'print this help' },
];

export function clientOptionsOf(opts: Options, debug: ((line: string) => void) | undefined): SnClientOptions {
  const address = defaultMqttSnAddress();
  const nodeIdText = opts.string('node-id');
  let nodeId: Buffer | undefined;
  if (nodeIdText !== undefined) {
    const hex = nodeIdText.replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2}){1,252}$/.test(hex)) throw new UsageError(`--node-id must be hex octets such as 0a1b, got "${nodeIdText}"`);
    nodeId = Buffer.from(hex, 'hex');
  }
  return {
    host: opts.string('host') ?? address.host,
    port: opts.integer('port', 1, 65535) ?? address.port,
    nodeId,
    debug,
    psk: pskOf(opts),
    handshakeTimeoutMs: handshakeTimeoutOf(opts),
  };
}

/** DTLS: the handshake gets at most 10 s, less when -W asks for less. */
function handshakeTimeoutOf(opts: Options): number {
  const limit = opts.seconds('timeout', 0);
  return limit === undefined || limit === 0 ? 10_000 : Math.min(limit, 10) * 1000;
}

export function clientIdOf(opts: Options, prefix: string): string {
  const id = opts.string('id') ?? `${prefix}-${process.pid}`;
  if (Buffer.byteLength(id) > 23) process.stderr.write(`warning: client id "${id}" is longer than the 23 octets MQTT-SN v1.2 §5.3.1 asks for\n`);
  return id;
}

export function willOf(opts: Options): WillOptions | undefined {
  const topic = opts.string('will-topic');
  if (topic === undefined) {
    if (opts.has('will-payload') || opts.has('will-qos') || opts.has('will-retain'))
      throw new UsageError('--will-payload, --will-qos and --will-retain need --will-topic');
    return undefined;
  }
  const qos = (opts.integer('will-qos', 0, 2) ?? 0) as 0 | 1 | 2;
  return { topic, message: Buffer.from(opts.string('will-payload') ?? ''), qos, retain: opts.has('will-retain') };
}

/**
 * The topic of a PUBLISH or SUBSCRIBE: `-T ID` = predefined id; a two-character
 * name = short topic name (no registration); anything else a normal name.
 */
export function topicOf(opts: Options): { readonly ref: TopicRef; readonly label: string } {
  const predefined = opts.integer('topic-id', 1, 0xfffe);
  const names = opts.strings('topic');
  if (predefined !== undefined) {
    if (names.length > 0) throw new UsageError('give either -t TOPIC or -T ID, not both');
    return { ref: { kind: 'predefined', id: predefined }, label: `predefined:${predefined}` };
  }
  const name = names[0];
  if (name === undefined) throw new UsageError('a topic is needed: -t TOPIC (or -T ID for a predefined topic id)');
  if (name === '') throw new UsageError('-t: empty topic');
  return Buffer.byteLength(name) === 2 && !/[+#]/.test(name) ? { ref: { kind: 'short', name }, label: name } : { ref: { kind: 'name', name }, label: name };
}

export function readFileOption(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`-f: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
