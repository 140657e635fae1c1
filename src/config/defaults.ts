import { resolveConfig } from './resolve.js';
import { gatewaySchema } from './schema.js';
import type { GatewayConfig } from './types.js';
import { rawDefaultOf } from './validate.js';

/**
 * The defaults, in two forms: as a user would write them in JSON (this is
 * what config/gateway.example.json holds) and resolved (durations in ms).
 * Every default is declared once, in schema.ts, with its description.
 */
export function defaultRawConfig(): Record<string, unknown> {
  return rawDefaultOf(gatewaySchema) as Record<string, unknown>;
}

let cached: GatewayConfig | undefined;

/** The resolved, deep-frozen default configuration. */
export function defaultConfig(): GatewayConfig {
  cached ??= resolveConfig({}, 'defaults');
  return cached;
}
