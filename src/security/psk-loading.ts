import type { PskAuthenticationConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PskStore } from './psk-store.js';

const KEY = 'psk_authentication.init_file';

/** Startup: a missing or bad file is a configuration error (one line per bad line; no secret is shown). */
export async function loadPskFile(store: PskStore, config: PskAuthenticationConfig, logger: Logger): Promise<void> {
  if (!config.enable) return;
  if (config.init_file === '') throw new ConfigError([{ key: KEY, value: '', reason: 'required when psk_authentication.enable is true' }]);
  let result;
  try {
    result = await store.load(config.init_file, config.separator);
  } catch (err) {
    throw new ConfigError([{ key: KEY, value: config.init_file, reason: `cannot be read: ${(err as Error).message}` }]);
  }
  if (result.problems.length > 0) {
    throw new ConfigError(result.problems.map((p) => ({ key: KEY, value: config.init_file, reason: p.line > 0 ? `line ${p.line}: ${p.reason}` : p.reason })));
  }
  logger.info({ file: config.init_file, identities: result.entries }, 'PSK credentials loaded');
}

/** SIGHUP: a file that cannot be used is logged and the keys in force stay. */
export async function reloadPskFile(store: PskStore, config: PskAuthenticationConfig, logger: Logger): Promise<void> {
  if (!config.enable) {
    logger.info('SIGHUP: psk_authentication is off, nothing to reload');
    return;
  }
  try {
    const result = await store.load(config.init_file, config.separator);
    if (result.problems.length > 0) {
      logger.error(
        { file: config.init_file, problems: result.problems.map((p) => (p.line > 0 ? `line ${p.line}: ${p.reason}` : p.reason)) },
        'PSK credentials not reloaded: file has errors; the previous keys stay',
      );
      return;
    }
    logger.info({ file: config.init_file, identities: result.entries }, 'PSK credentials reloaded');
  } catch (err) {
    logger.error({ file: config.init_file, err: (err as Error).message }, 'PSK credentials not reloaded: file cannot be read; the previous keys stay');
  }
}
