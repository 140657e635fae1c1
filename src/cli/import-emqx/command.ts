import { readFile, writeFile } from 'node:fs/promises';
import parseHocon from '@pushcorn/hocon-parser';
import { ConfigError } from '../../errors.js';
import { resolveConfig } from '../../config/resolve.js';
import { formatOptions, Options, parseArgs, type OptionSpec, UsageError } from '../args.js';
import { convertGateway, convertPskAuthentication, type Dropped } from './convert.js';
import { looksLikeEmqx4, readEmqx4 } from './emqx4.js';

const IMPORT_OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', value: true, arg: 'FILE', help: 'write the JSON config to FILE (default: stdout)' },
  { name: 'help', value: false, help: 'print this help' },
];

export const IMPORT_USAGE = `Usage: snlw import-emqx FILE... [-o gateway.json]

Converts EMQX gateway settings into this gateway's JSON config:
  EMQX 5: a HOCON file with gateway.mqttsn { ... } and/or gateway.lwm2m { ... } (emqx.conf, or a file
          holding just those blocks), UDP and DTLS listeners, and psk_authentication { ... };
  EMQX 4: etc/plugins/emqx_sn.conf and etc/plugins/emqx_lwm2m.conf (key = value lines).
Several files are merged. The JSON goes to stdout (or -o FILE); every setting that was not carried
over is listed on stderr with the reason. The result is checked like a config file at startup.

${formatOptions(IMPORT_OPTIONS)}
`;

export async function runImportEmqx(argv: readonly string[]): Promise<number> {
  const opts = new Options(parseArgs(argv, IMPORT_OPTIONS));
  if (opts.has('help')) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  const files = opts.parsed.positionals;
  if (files.length === 0) throw new UsageError('give one or more EMQX config files; see --help');
  const config: Record<string, Record<string, unknown>> = {};
  const dropped: Dropped[] = [];
  for (const file of files) {
    const result = await importFile(file);
    for (const [section, values] of Object.entries(result.config)) config[section] = { ...config[section], ...values };
    dropped.push(...result.dropped.map((d) => ({ key: `${file}: ${d.key}`, reason: d.reason })));
  }
  if (Object.keys(config).length === 0) throw new Error(`no gateway.mqttsn, gateway.lwm2m, mqtt.sn.* or lwm2m.* settings found in ${files.join(', ')}`);
  try {
    resolveConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`snlw import-emqx: the converted config does not pass the gateway's checks:\n${err.message.split('\n').slice(1).join('\n')}\n`);
      return 1;
    }
    throw err;
  }
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const output = opts.string('output');
  if (output === undefined) process.stdout.write(json);
  else await writeFile(output, json);
  if (dropped.length === 0) process.stderr.write('snlw import-emqx: every setting was carried over\n');
  else {
    process.stderr.write(`snlw import-emqx: ${dropped.length} setting${dropped.length === 1 ? '' : 's'} not carried over:\n`);
    for (const d of dropped) process.stderr.write(`  ${d.key}: ${d.reason}\n`);
  }
  return 0;
}

async function importFile(file: string): Promise<{ config: Record<string, Record<string, unknown>>; dropped: Dropped[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (looksLikeEmqx4(text)) {
    const { gateway, dropped } = readEmqx4(text);
    const converted = convertGateway(gateway, '');
    return { config: converted.config, dropped: [...dropped, ...converted.dropped] };
  }
  const { body, includes } = withoutIncludes(text);
  let parsed: unknown;
  try {
    parsed = await parseHocon({ text: body, strict: true });
  } catch (err) {
    throw new Error(`${file} is not valid HOCON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const gateway = isObject(parsed) && isObject(parsed.gateway) ? parsed.gateway : undefined;
  const psk = isObject(parsed) && isObject(parsed.psk_authentication) ? parsed.psk_authentication : undefined;
  const dropped: Dropped[] = includes.map((line) => ({ key: line, reason: 'include statements are not followed; convert the included file too' }));
  const config: Record<string, Record<string, unknown>> = {};
  if (gateway !== undefined) {
    const converted = convertGateway(gateway, 'gateway.');
    Object.assign(config, converted.config);
    dropped.push(...converted.dropped);
  }
  if (psk !== undefined) {
    const converted = convertPskAuthentication(psk, 'psk_authentication');
    Object.assign(config, converted.config);
    dropped.push(...converted.dropped);
  }
  return { config, dropped };
}

/** HOCON `include` lines are not followed (they may name URLs or files elsewhere); listed instead. */
function withoutIncludes(text: string): { body: string; includes: string[] } {
  const includes: string[] = [];
  const body = text
    .split(/\r?\n/)
    .map((line) => {
      if (/^\s*include\s/.test(line)) {
        includes.push(line.trim());
        return '';
      }
      return line;
    })
    .join('\n');
  return { body, includes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
