import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** Where lines go; default stdout. */
  readonly destination?: NodeJS.WritableStream;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when stdout is a terminal. */
  readonly pretty?: boolean;
}

/**
 * Root logger factory. Protocol modules never import a global logger: a
 * logger is passed in, and every module logs through a child with
 * `{ component }` (main, upstream, mqttsn, lwm2m), each session or
 * registration through a further child with `{ clientId | endpoint, peer }`.
 * Lifecycle at info, packets at debug, raw bytes and payloads at trace only.
 * On a terminal the lines are pretty-printed (`HH:MM:ss.l INFO component: message key=value`);
 * otherwise one JSON object per line.
 */
export function createLogger(level: LevelWithSilent = 'info', options: LoggerOptions | NodeJS.WritableStream = {}): Logger {
  const opts: LoggerOptions = isStream(options) ? { destination: options } : options;
  const base = { level, base: { name: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime };
  const usePretty = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true && process.env.TERM !== 'dumb');
  if (usePretty) {
    const stream = pretty({
      colorize: true,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name,component',
      messageFormat: '{if component}{component}: {end}{msg}',
      destination: opts.destination ?? 1,
    });
    return pino(base, stream);
  }
  return opts.destination === undefined ? pino(base) : pino(base, opts.destination);
}

function isStream(value: LoggerOptions | NodeJS.WritableStream): value is NodeJS.WritableStream {
  return typeof (value as NodeJS.WritableStream).write === 'function';
}

/** A logger that writes nothing; for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** `host:port`, with IPv6 hosts bracketed. */
export function formatPeer(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
