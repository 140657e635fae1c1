import { formatDuration } from './duration.js';
import { gatewaySchema } from './schema.js';
import type { Spec } from './spec.js';
import type { GatewayConfig } from './types.js';

export const MASK = '******';

/**
 * The resolved configuration back in file form (durations as `"1m30s"`,
 * sizes in bytes), for `--print-config`. With `maskSecrets` (the default)
 * passwords and private keys read `"******"`; without it the output is a
 * config file that resolves to the same configuration.
 */
export function formatConfig(config: GatewayConfig, options: { maskSecrets?: boolean } = {}): string {
  return `${JSON.stringify(toFileForm(gatewaySchema, config, options.maskSecrets ?? true), null, 2)}\n`;
}

function toFileForm(spec: Spec, value: unknown, mask: boolean): unknown {
  if (value === undefined) return undefined;
  switch (spec.kind) {
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : value;
    case 'string':
      return spec.secret === true && mask && value !== '' ? MASK : value;
    case 'object': {
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(spec.fields)) {
        const formatted = toFileForm(field, (value as Record<string, unknown>)[name], mask);
        if (formatted !== undefined) out[name] = formatted;
      }
      return out;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [name, entry] of Object.entries(value)) out[name] = toFileForm(spec.entry, entry, mask);
      return out;
    }
    default:
      return value;
  }
}
