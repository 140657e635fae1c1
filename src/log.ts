import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Root logger factory. Protocol modules never import a global logger: a
 * logger is passed in, and each session or registration gets a child with
 * `{ clientId | endpoint, peer }`. Lifecycle at info, packets at debug, raw
 * bytes and payloads at trace only.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { name: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that writes nothing; for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** `host:port`, with IPv6 hosts bracketed. */
export function formatPeer(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
