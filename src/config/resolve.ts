import { ConfigError, type ConfigProblem } from '../errors.js';
import { crossCheck } from './cross-checks.js';
import { deepFreeze } from './deep-freeze.js';
import { gatewaySchema } from './schema.js';
import type { GatewayConfig } from './types.js';
import { editDistance } from './suggest.js';
import { allKeyPaths, applySpec } from './validate.js';

export interface ResolveOptions {
  /** Named in the ConfigError message, e.g. the config file path. */
  readonly source?: string | undefined;
  /**
   * Keys whose value came from somewhere other than `source` (dotted key ->
   * description, e.g. `environment variable GATEWAY_LOG_LEVEL`). A problem at
   * or under such a key names it.
   */
  readonly origins?: ReadonlyMap<string, string> | undefined;
}

/**
 * Validates `raw` (parsed JSON; `undefined`/`{}` = all defaults) against the
 * schema: absent keys take their defaults, durations become milliseconds,
 * sizes bytes, relative `lwm2m.xml_dir` is resolved against the package root.
 * Returns a deep-frozen GatewayConfig, or throws one ConfigError listing every
 * problem (dotted key, value, what is allowed).
 */
export function resolveConfig(raw: unknown, source?: string): GatewayConfig {
  return resolveConfigWith(raw, { source });
}

export function resolveConfigWith(raw: unknown, options: ResolveOptions = {}): GatewayConfig {
  const problems = new ProblemList(options.origins);
  const config = applySpec(gatewaySchema, raw === undefined ? {} : raw, '', problems) as GatewayConfig;
  crossCheck(config, problems);
  if (problems.list.length > 0) throw new ConfigError(problems.list, options.source);
  return deepFreeze(config);
}

class ProblemList {
  readonly list: ConfigProblem[] = [];
  readonly #origins: ReadonlyMap<string, string> | undefined;

  constructor(origins: ReadonlyMap<string, string> | undefined) {
    this.#origins = origins;
  }

  add(key: string, value: unknown, reason: string): void {
    const origin = this.#originOf(key);
    this.list.push({ key, value, reason: origin === undefined ? reason : `${reason} (from ${origin})` });
  }

  suggestElsewhere(name: string): string | undefined {
    const needle = name.toLowerCase();
    const matches = schemaKeyPaths().filter((path) => {
      const last = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
      return editDistance(needle, last) <= (needle.length > 4 ? 1 : 0);
    });
    return matches.length === 1 ? matches[0] : undefined; // an ambiguous hint (e.g. "topic") would mislead
  }

  has(key: string): boolean {
    return this.list.some((p) => p.key === key || p.key.startsWith(`${key}.`) || p.key.startsWith(`${key}[`));
  }

  #originOf(key: string): string | undefined {
    if (this.#origins === undefined) return undefined;
    for (const [prefix, origin] of this.#origins) {
      if (key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`)) return origin;
    }
    return undefined;
  }
}

let keyPaths: readonly string[] | undefined;

function schemaKeyPaths(): readonly string[] {
  keyPaths ??= allKeyPaths(gatewaySchema);
  return keyPaths;
}
