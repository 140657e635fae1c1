import { ConfigError, type ConfigProblem } from '../../../src/errors.js';

/** Runs `fn`, expects a ConfigError and returns its problems. */
export function problemsOf(fn: () => unknown): readonly ConfigProblem[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, got none');
}

export async function problemsOfAsync(fn: () => Promise<unknown>): Promise<{ error: ConfigError; problems: readonly ConfigProblem[] }> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ConfigError) return { error, problems: error.problems };
    throw error;
  }
  throw new Error('expected a ConfigError, got none');
}
