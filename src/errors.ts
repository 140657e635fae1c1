/**
 * The one catalogue of gateway error codes. Protocol answers (MQTT-SN return
 * codes, CoAP 4.xx/5.xx) are values, not exceptions; exceptions are for
 * malformed input, bad configuration, timeouts and bugs.
 */
export type GatewayErrorCode =
  | 'GW_ERR_CONFIG'
  | 'GW_ERR_CODEC'
  | 'GW_ERR_TIMEOUT'
  | 'GW_ERR_UPSTREAM'
  | 'GW_ERR_MODEL'
  | 'GW_ERR_CONTENT'
  | 'GW_ERR_PATH'
  | 'GW_ERR_COMMAND'
  | 'GW_ERR_CLOSED';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** Startup configuration problems: one entry per offending key. */
export interface ConfigProblem {
  /** Dotted key path, e.g. `mqttsn.listeners.udp.default.bind`. */
  readonly key: string;
  /** The offending value as found (JSON-rendered by the reporter). */
  readonly value: unknown;
  /** What is allowed, in words. */
  readonly reason: string;
}

export class ConfigError extends GatewayError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source?: string) {
    const head = source === undefined ? 'invalid configuration' : `invalid configuration in ${source}`;
    const lines = problems.map((p) => `  ${p.key}: ${p.reason} (got ${renderValue(p.value)})`);
    super('GW_ERR_CONFIG', [head, ...lines].join('\n'));
    this.problems = problems;
  }
}

/**
 * A configuration that is valid in itself but cannot run here (a port in use,
 * a missing directory, an unreadable file): one line per problem,
 * `key: value: reason`. Exit code 2 like any ConfigError.
 */
export class StartupError extends ConfigError {
  constructor(problems: readonly ConfigProblem[]) {
    super(problems);
    this.message = problems.map((p) => `${p.key}: ${typeof p.value === 'string' ? p.value : renderValue(p.value)}: ${p.reason}`).join('\n');
  }
}

function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    // JSON.stringify throws on BigInt and cycles.
    return typeof value === 'bigint' ? `${value}n` : '(a value that cannot be shown)';
  }
}

export class TimeoutError extends GatewayError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('GW_ERR_TIMEOUT', message, details === undefined ? undefined : { details });
  }
}
