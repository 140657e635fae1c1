#!/usr/bin/env node
/**
 * `snlw`: command-line tools that come with the gateway: MQTT-SN clients,
 * a simulated LwM2M device, LwM2M commands over MQTT, and EMQX config import.
 *
 * Exit codes: 0 success, 1 failure at run time, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';
import { UsageError } from './args.js';
import { runCommand } from './lwm2m/command.js';
import { runDevice } from './lwm2m/device.js';
import { runImportEmqx } from './import-emqx/command.js';
import { runPub } from './mqttsn/pub.js';
import { runSub } from './mqttsn/sub.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  pub: runPub,
  sub: runSub,
  device: runDevice,
  command: runCommand,
  'import-emqx': runImportEmqx,
};

const USAGE = `Usage: snlw COMMAND [OPTIONS]   (snlw COMMAND --help for the options of one command; snlw --version)

MQTT-SN
  pub          publish over MQTT-SN (mosquitto_pub's flags: -h -p -t -m -q -i -r ...)
  sub          subscribe over MQTT-SN and print the messages (mosquitto_sub's flags: -t -v -C -W ...)
LwM2M
  device       one or many simulated LwM2M devices (-i ENDPOINT [-n COUNT])
  command      send an LwM2M command over MQTT and print the answer (snlw command EP read /3/0/0)
Configuration
  import-emqx  convert an EMQX MQTT-SN / LwM2M gateway config into this gateway's JSON

Defaults follow the gateway's environment variables: GATEWAY_MQTTSN_BIND, GATEWAY_LWM2M_BIND,
GATEWAY_EMBEDDED_BIND and GATEWAY_UPSTREAM_SERVER (else 127.0.0.1 and ports 1884, 5683, 1883).
`;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`snlw: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`snlw ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`snlw ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

process.exitCode = await main(process.argv.slice(2));
