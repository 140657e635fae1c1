import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseCliArgs } from './cli.js';
import { applyEnvOverrides } from './env-overrides.js';
import { parseJsonText } from './json-position.js';
import { resolveConfigWith } from './resolve.js';
import type { GatewayConfig } from './types.js';

/** Used when no `--config` is given and the file exists (relative to the working directory). */
export const DEFAULT_CONFIG_FILE = 'config/gateway.json';

export interface LoadConfigOptions {
  /** Command-line arguments after the script name (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Base for relative config paths; default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * File (`--config FILE`, else config/gateway.json if present, else nothing)
 * + environment overrides + defaults, validated once. Throws ConfigError: for
 * bad arguments, an unreadable file, invalid JSON (with line and column), or
 * every invalid key at once.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<GatewayConfig> {
  const cli = parseCliArgs(opts.argv);
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  if (cli.configPath !== undefined) {
    file = resolve(cwd, cli.configPath);
    if (!existsSync(file)) throw new ConfigError([{ key: '--config', value: cli.configPath, reason: 'file not found' }], file);
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    file = resolve(cwd, DEFAULT_CONFIG_FILE);
  }
  const raw = file === undefined ? {} : await readConfigFile(file);
  const { raw: merged, origins } = applyEnvOverrides(raw, opts.env);
  return resolveConfigWith(merged, { source: file ?? (origins.size > 0 ? 'environment' : 'defaults'), origins });
}

/** Reads and parses one JSON config file; errors name the file and, for syntax, the line and column. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ConfigError([{ key: '(file)', value: file, reason: `cannot read the file (${code})` }], file);
  }
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  const lineText = text.split('\n')[parsed.line - 1]?.replace(/\r$/, '');
  throw new ConfigError(
    [{ key: `line ${parsed.line}, column ${parsed.column}`, value: lineText, reason: `invalid JSON: ${parsed.reason}` }],
    `${file}:${parsed.line}:${parsed.column}`,
  );
}
