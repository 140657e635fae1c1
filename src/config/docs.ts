import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { helpText } from './cli.js';
import { defaultRawConfig } from './defaults.js';
import { formatDuration } from './duration.js';
import { ENV_OVERRIDES } from './env-overrides.js';
import { packageRoot } from './package-root.js';
import { gatewaySchema, SCHEMA_SECTIONS } from './schema.js';
import type { ObjectSpec, Spec } from './spec.js';
import { rawDefaultOf } from './validate.js';

/**
 * docs/configuration.md and config/gateway.example.json are generated from the
 * schema, and unit tests assert the files match, so they never drift.
 * Regenerate both: `npx tsx src/config/docs.ts`.
 */
export function renderConfigDocs(): string {
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by src/config/docs.ts; do not edit by hand. Regenerate: npx tsx src/config/docs.ts -->',
    '',
    'The gateway reads one JSON file: `--config FILE` (or `-c FILE`), else `config/gateway.json` in the working',
    'directory if it exists, else it runs on the defaults below. `config/gateway.example.json` lists every key at',
    'its default. Environment variables (listed at the end) override the file. The whole configuration is validated',
    'once at startup and every problem is reported together, each with its dotted key, the value found and what is',
    'allowed; unknown keys are errors (with a "did you mean" hint).',
    '',
    'Value forms:',
    '',
    '- **duration**: `"500ms"`, `"30s"`, `"10m"`, `"2h"`, `"1d"`, combinations largest unit first (`"1h30m"`), or a',
    '  plain number of seconds (`30`, `0.2`). Negative values are rejected; the upper limit is 24 days.',
    '- **size**: a number of bytes or `"64KB"`, `"4MB"`, `"1GB"` (binary units: 1KB = 1024 bytes).',
    '- **listener maps** (`listeners.udp.<name>`): any listener names; a map given in the file replaces the default',
    '  listener set instead of merging with it (so `{ "v6": { "bind": "[::]:1884" } }` binds only IPv6).',
    '- Key names follow EMQX for `mqttsn` and `lwm2m`, and the paho-style client options for `upstream.client`',
    '  (the misspellings `direcotryPrefix`, `passsword` and `connectionTime` are accepted as aliases).',
    '',
  ];
  for (const section of SCHEMA_SECTIONS) {
    const spec = gatewaySchema.fields[section] as ObjectSpec;
    out.push(`## \`${section}\``, '', `${capitalise(spec.description)}.`, '', '| Key | Type | Default | Description |', '|---|---|---|---|');
    for (const row of rows(spec, section)) out.push(`| ${row.map(cell).join(' | ')} |`);
    out.push('');
  }
  out.push(
    '## Defaults chosen here (no EMQX default to follow)',
    '',
    '- `listeners.udp.<name>.max_connections` 102400 (EMQX: 1024): the gateway is meant for large fleets; lower it to cap memory.',
    '- `recbuf` 64MB, `sndbuf` 4MB: bursts of small datagrams from many devices overflow the usual OS default (~200KB);',
    '  a burst of 100,000 needs most of 64MB. Linux caps the request at `net.core.rmem_max` (often 208KB or 4MB); the',
    '  gateway then warns at startup with the exact command (`sysctl -w net.core.rmem_max=67108864`).',
    '- `mqttsn.retry_interval` 10s and `max_retries` 4: within the T_RETRY 10..15 s and N_RETRY 3..5 ranges of MQTT-SN v1.2 §7.',
    '- `mqttsn.sleep_buffer_size` 1000: the broker-side `max_mqueue_len` EMQX applies to sleeping clients.',
    '- `mqttsn.session_expiry` 2h: the EMQX session expiry default.',
    '- `lwm2m.queue_max_size` 100 and `queue_max_age` 1h: bound the memory per sleeping device; an hour covers typical',
    '  queue-mode wake-up periods, older commands are answered with `coap_timeout`.',
    '- `lwm2m.lifetime_grace` 10s: a registration lives `lifetime + 10s`, enough for a late Update on a slow radio link',
    '  (one CoAP retransmission at the default ACK_TIMEOUT fits).',
    '',
    '## Environment variables',
    '',
    'Applied on top of the file and validated with it; a problem caused by a variable names the variable.',
    'Empty values are ignored, except for string keys (where `""` is a value).',
    '',
    '| Variable | Sets | Meaning |',
    '|---|---|---|',
  );
  for (const env of ENV_OVERRIDES) out.push(`| ${cell(`\`${env.name}\``)} | ${cell(`\`${env.key}\``)} | ${cell(env.description)} |`);
  out.push('', '## Command line', '', '```', helpText().trimEnd(), '```', '');
  return out.join('\n');
}

/** config/gateway.example.json: every key at its default. */
export function renderExampleConfig(): string {
  return `${JSON.stringify(defaultRawConfig(), null, 2)}\n`;
}

function rows(spec: ObjectSpec, prefix: string): string[][] {
  const out: string[][] = [];
  const aliasesOf = (name: string): string[] =>
    Object.entries(spec.aliases ?? {})
      .filter(([, canonical]) => canonical === name)
      .map(([alias]) => alias);
  for (const [name, field] of Object.entries(spec.fields)) {
    const key = `${prefix}.${name}`;
    const aliases = aliasesOf(name);
    const description = aliases.length === 0 ? field.description : `${field.description} (alias: ${aliases.map((a) => `\`${a}\``).join(', ')})`;
    out.push([`\`${key}\``, typeLabel(field), defaultLabel(field), description]);
    if (field.kind === 'object') out.push(...rows(field, key));
    if (field.kind === 'map') out.push(...rows(field.entry, `${key}.${field.nameLabel}`));
  }
  return out;
}

function typeLabel(spec: Spec): string {
  switch (spec.kind) {
    case 'boolean':
      return 'boolean';
    case 'integer':
      return `integer ${spec.min}..${spec.max}`;
    case 'number':
      return `number ${spec.min}..${spec.max}`;
    case 'string':
      return spec.oneOf === undefined ? 'string' : spec.oneOf.map((v) => `\`"${v}"\``).join(' / ');
    case 'choice':
      return spec.values.map((v) => `\`${JSON.stringify(v)}\``).join(' / ');
    case 'duration':
      return `duration ${formatDuration(spec.min)}..${formatDuration(spec.max)}`;
    case 'bytes':
      return `size ${spec.min}..${spec.max}`;
    case 'object':
      return spec.optional === true ? 'object (optional)' : 'object';
    case 'map':
      return `map of \`${spec.nameLabel}\` -> object`;
    case 'custom':
      return spec.typeLabel;
  }
}

function defaultLabel(spec: Spec): string {
  if (spec.required === true) return 'required';
  if (spec.kind === 'object') return spec.optional === true ? 'absent' : '';
  const raw = rawDefaultOf(spec);
  return raw === undefined ? 'absent' : `\`${JSON.stringify(raw)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Where the configuration reference lives, relative to the package root. */
export const CONFIG_DOC_PATH = 'docs/configuration.md';

/** Writes config/gateway.example.json and docs/configuration.md when run as a script. */
export function writeGeneratedFiles(root = packageRoot()): void {
  writeFileSync(join(root, 'config', 'gateway.example.json'), renderExampleConfig());
  writeFileSync(join(root, CONFIG_DOC_PATH), renderConfigDocs());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeGeneratedFiles();
}
