import { GatewayError } from '../../../src/errors.js';
import { decodeContent, encodeWrite, type WriteEntry } from '../../../src/lwm2m/content/index.js';
import type { ModelRegistry, ResourceType } from '../../../src/lwm2m/model/types.js';
import { parsePath } from '../../../src/lwm2m/path.js';
import { models } from './test-models.js';

/** Runs `fn` and returns the GatewayError it throws; fails when it throws nothing or something else. */
export function errorOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

/** decodeContent with a text path; a string payload is taken as UTF-8. */
export const decode = (format: number | undefined, payload: Buffer | string, path: string, registry: ModelRegistry = models) =>
  decodeContent(format, typeof payload === 'string' ? Buffer.from(payload) : payload, parsePath(path), registry);

export const entry = (path: string, type: ResourceType, value: unknown): WriteEntry => ({ path: parsePath(path), type, value });

/** encodeWrite with a text base path. */
export const write = (format: number, base: string, entries: WriteEntry[]) => encodeWrite(format, parsePath(base), entries);
