import { CoapCode } from '../coap/codes.js';
import type { OutboundRequest } from '../coap/coap-endpoint.js';
import { CoapOption, uintOption, type CoapOptionValue } from '../coap/message.js';
import { ContentFormat } from '../content/types.js';
import { pathSegments } from '../path.js';
import { encodeInstance, securityInstanceEntries, serverInstanceEntries, type ServerAccount } from './server-account.js';

/** One request of the server-driven part of the bootstrap sequence. */
export interface BootstrapStep {
  /** What the step is, for events and logs: `discover /`, `delete /0`, `write /0/1`, `finish`. */
  readonly operation: string;
  readonly kind: 'discover' | 'delete' | 'write' | 'finish';
  readonly request: OutboundRequest;
  /** Response codes that let the sequence go on. */
  readonly success: readonly string[];
}

const uriPath = (segments: readonly string[]): CoapOptionValue[] => segments.map((s) => ({ number: CoapOption.URI_PATH, value: Buffer.from(s) }));

/**
 * The requests the bootstrap server sends after answering Bootstrap-Request
 * (LwM2M 1.0/1.1 TS Core §5.2): optional Bootstrap-Discover
 * (`GET /`, link format), Bootstrap-Delete per configured path, Bootstrap-Write
 * of the Security and the Server instance, then Bootstrap-Finish (`POST /bs`).
 */
export function bootstrapSteps(account: ServerAccount, format: number): BootstrapStep[] {
  const entry = account.entry;
  const steps: BootstrapStep[] = [];
  if (entry.discover) {
    steps.push({
      operation: 'discover /',
      kind: 'discover',
      request: { code: CoapCode.GET, options: [{ number: CoapOption.ACCEPT, value: uintOption(ContentFormat.LINK_FORMAT) }] },
      success: ['2.05'],
    });
  }
  for (const path of entry.delete) {
    const segments = path.split('/').filter((s) => s !== '');
    // LwM2M TS Core §5.2: Bootstrap-Delete answers 2.02 Deleted. A 4.04 only says there was nothing to delete: the sequence goes on.
    steps.push({ operation: `delete ${path}`, kind: 'delete', request: { code: CoapCode.DELETE, options: uriPath(segments) }, success: ['2.02', '4.04'] });
  }
  for (const instance of [securityInstanceEntries(account), serverInstanceEntries(account)]) {
    const segments = pathSegments(instance.path);
    steps.push({
      operation: `write /${segments.join('/')}`,
      kind: 'write',
      request: {
        code: CoapCode.PUT,
        options: [...uriPath(segments), { number: CoapOption.CONTENT_FORMAT, value: uintOption(format) }],
        payload: encodeInstance(format, instance),
      },
      success: ['2.04'],
    });
  }
  // LwM2M TS Core §5.2: Bootstrap-Finish answered 2.04, or 4.06 when the configuration is unusable.
  steps.push({ operation: 'finish', kind: 'finish', request: { code: CoapCode.POST, options: uriPath(['bs']) }, success: ['2.04'] });
  return steps;
}
