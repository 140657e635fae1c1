import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type ConfigProblem } from '../errors.js';

/** What the command line asks for (arguments after the script: `process.argv.slice(2)`). */
export interface CliOptions {
  /** `--config FILE` / `-c FILE` / `--config=FILE`; undefined = `config/gateway.json` if present. */
  readonly configPath: string | undefined;
  /** `--help` / `-h`: print `helpText()` and exit. */
  readonly help: boolean;
  /** `--print-config`: print the resolved configuration (secrets masked) and exit. */
  readonly printConfig: boolean;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  'print-config': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/**
 * `util.parseArgs` in token mode (not strict), so that every problem is
 * reported at once instead of only the first. Throws ConfigError naming every
 * unknown or incomplete option.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  let configPath: string | undefined;
  let help = false;
  let printConfig = false;
  const problems: ConfigProblem[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      problems.push({ key: token.value, value: token.value, reason: 'unknown command-line argument; see --help' });
    } else if (token.kind === 'option-terminator') {
      problems.push({ key: '--', value: '--', reason: 'unknown command-line argument; see --help' });
    } else if (token.name === 'help' && token.value === undefined) {
      help = true;
    } else if (token.name === 'print-config' && token.value === undefined) {
      printConfig = true;
    } else if (token.name === 'config') {
      const file = token.value;
      const inline = token.inlineValue === true;
      if (file === undefined || file === '' || (!inline && file.startsWith('-'))) {
        const shown = inline ? '--config' : token.rawName;
        problems.push({ key: shown, value: file, reason: inline ? 'needs a file name: --config=FILE' : 'needs a file name: --config FILE' });
      } else {
        configPath = file;
      }
    } else {
      problems.push({ key: token.rawName, value: token.rawName, reason: 'unknown command-line argument; see --help' });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'command line');
  return { configPath, help, printConfig };
}

export function helpText(program = 'snlw-gateway'): string {
  return [
    `Usage: ${program} [--config FILE] [--print-config] [--help]`,
    '',
    'MQTT-SN v1.2 and LwM2M 1.0/1.1 gateway to MQTT.',
    '',
    'Options:',
    '  -c, --config FILE   JSON configuration file (default: config/gateway.json if it exists, else built-in defaults)',
    '      --print-config  print the resolved configuration (passwords masked) and exit',
    '  -h, --help          print this help and exit',
    '',
    'Environment variables override the file: GATEWAY_ + the key path in upper case, e.g. GATEWAY_LOG_LEVEL,',
    'GATEWAY_UPSTREAM_CLIENT_SERVER (short: GATEWAY_UPSTREAM_SERVER), GATEWAY_MQTTSN_BIND; docs/configuration.md',
    'lists every key and variable.',
    '',
  ].join('\n');
}
