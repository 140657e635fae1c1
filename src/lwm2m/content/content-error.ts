import { GatewayError } from '../../errors.js';

/** The one way content codecs fail: GW_ERR_CONTENT carrying a human-readable reason. */
export function contentError(reason: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_ERR_CONTENT', reason, cause === undefined ? undefined : { cause });
}
