import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, renderConfigDocs, renderExampleConfig } from '../../../src/config/docs.js';
import { ENV_OVERRIDES } from '../../../src/config/env-overrides.js';
import { packageRoot } from '../../../src/config/package-root.js';
import { formatConfig, MASK } from '../../../src/config/print-config.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { gatewaySchema } from '../../../src/config/schema.js';
import type { Spec } from '../../../src/config/spec.js';

function leafKeys(spec: Spec, prefix: string): string[] {
  if (spec.kind === 'object') return Object.entries(spec.fields).flatMap(([name, field]) => [`${prefix}.${name}`, ...leafKeys(field, `${prefix}.${name}`)]);
  if (spec.kind === 'map') return leafKeys(spec.entry, `${prefix}.${spec.nameLabel}`);
  return [];
}

describe('generated files (regenerate with: npx tsx src/config/docs.ts)', () => {
  it('docs/configuration.md is the rendered config reference', async () => {
    const onDisk = await readFile(join(packageRoot(), CONFIG_DOC_PATH), 'utf8');
    expect(onDisk).toBe(renderConfigDocs());
  });

  it('config/gateway.example.json is the default document and resolves to the defaults', async () => {
    const onDisk = await readFile(join(packageRoot(), 'config', 'gateway.example.json'), 'utf8');
    expect(onDisk).toBe(renderExampleConfig());
    expect(resolveConfig(JSON.parse(onDisk))).toEqual(resolveConfig({}));
  });

  it('documents every key, its default and every environment variable', () => {
    const docs = renderConfigDocs();
    const keys = Object.entries(gatewaySchema.fields).flatMap(([name, spec]) => leafKeys(spec, name));
    expect(keys.length).toBeGreaterThan(80);
    for (const key of keys) expect(docs).toContain(`| \`${key}\` |`);
    for (const env of ENV_OVERRIDES) expect(docs).toContain(`| \`${env.name}\` | \`${env.key}\` |`);
    expect(docs).toContain('| `mqttsn.gateway_id` | integer 0..255 | `1` |');
    expect(docs).toContain('| `upstream.client.connectTimeout` | duration 0s..24d | `"30s"` |');
  });

  it('does not ship config/gateway.json (its absence means defaults)', async () => {
    await expect(readFile(join(packageRoot(), 'config', 'gateway.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});

describe('formatConfig (--print-config)', () => {
  const raw = {
    upstream: { client: { server: 'mqtt://b:1883', basicAuth: { username: 'u', password: 'pw' }, tlsConfig: { keyFilePEM: 'KEY' } } },
    mqttsn: { retry_interval: '1m30s', predefined: [{ id: 1, topic: 't' }] },
    lwm2m: { auto_observe: '/3/0,/5/0', xml_dir: '/srv/xml' },
  };

  it('masks secrets and writes durations back in file form', () => {
    const printed = JSON.parse(formatConfig(resolveConfig(raw))) as {
      upstream: { client: { basicAuth: { password: string }; tlsConfig: { keyFilePEM: string }; connectTimeout: string } };
      mqttsn: { retry_interval: string };
    };
    expect(printed.upstream.client.basicAuth.password).toBe(MASK);
    expect(printed.upstream.client.tlsConfig.keyFilePEM).toBe(MASK);
    expect(printed.upstream.client.connectTimeout).toBe('30s');
    expect(printed.mqttsn.retry_interval).toBe('1m30s');
  });

  it('without masking, round-trips to the same configuration', () => {
    const config = resolveConfig(raw);
    expect(resolveConfig(JSON.parse(formatConfig(config, { maskSecrets: false })))).toEqual(config);
    expect(resolveConfig(JSON.parse(formatConfig(resolveConfig({}), { maskSecrets: false })))).toEqual(resolveConfig({}));
  });
});
