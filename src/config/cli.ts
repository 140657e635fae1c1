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

/** Throws ConfigError naming every unknown or incomplete option. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let configPath: string | undefined;
  let help = false;
  let printConfig = false;
  const problems: ConfigProblem[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (arg === '--print-config') {
      printConfig = true;
    } else if (arg === '--config' || arg === '-c') {
      const next = argv[i + 1];
      if (next === undefined || next === '' || next.startsWith('-')) {
        problems.push({ key: arg, value: next, reason: 'needs a file name: --config FILE' });
      } else {
        configPath = next;
        i++;
      }
    } else if (arg.startsWith('--config=')) {
      const file = arg.slice('--config='.length);
      if (file === '') problems.push({ key: '--config', value: file, reason: 'needs a file name: --config=FILE' });
      else configPath = file;
    } else {
      problems.push({ key: arg, value: arg, reason: 'unknown command-line argument; see --help' });
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
    'Environment variables such as GATEWAY_LOG_LEVEL, GATEWAY_UPSTREAM_SERVER, GATEWAY_MQTTSN_BIND and',
    'GATEWAY_LWM2M_BIND override the file; docs/configuration.md lists every key and variable.',
    '',
  ].join('\n');
}
