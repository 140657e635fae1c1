import type { Logger } from '../../log.js';
import { formatPeer } from '../../log.js';
import type { Peer } from '../../transport/bind.js';
import type { CoapReply } from '../coap/coap-endpoint.js';
import { CoapOption, stringOptions, uintOptionOf, type CoapMessage } from '../coap/message.js';
import { decodeCompositeContent, isCompositeFormat } from '../content/composite.js';
import { contentFormatName } from '../content/content-format-name.js';
import type { ContentEntry } from '../content/types.js';
import type { ModelRegistry } from '../model/types.js';
import type { Registration } from '../registration/registration.js';

/** LwM2M 1.1 Transport §6.5.1: the Send operation is a POST to `/dp` on the server. */
const SEND_PATH = 'dp';

const POST = '0.02';

export interface SendResourceDeps {
  /** `lwm2m.enable_send`: false answers 4.04, as a server without the resource (EMQX). */
  readonly enabled: boolean;
  /** The registration of the peer a datagram came from. */
  readonly registrationOf: (peer: Peer) => Registration | undefined;
  readonly models: ModelRegistry;
  /** Publishes the decoded values of one Send. */
  readonly deliver: (reg: Registration, content: readonly ContentEntry[]) => void;
  readonly logger: Logger;
}

/** Is this request for the Send resource (`/dp`)? */
export function isSendRequest(msg: CoapMessage): boolean {
  const path = stringOptions(msg, CoapOption.URI_PATH);
  return path.length === 1 && path[0] === SEND_PATH;
}

/**
 * The Information Reporting interface's Send (LwM2M 1.1 TS §6.4.4 / §6.5,
 * Transport §6.5.1): a registered device POSTs a SenML JSON or CBOR pack of
 * absolute paths to `/dp`. The values are decoded and checked against the
 * object models (of the versions the device registered), published, and
 * answered 2.04 Changed. A peer with no registration gets 4.03 with no
 * payload (the server only takes data from clients it knows, §6.4.4).
 */
export function handleSendRequest(msg: CoapMessage, peer: Peer, deps: SendResourceDeps): CoapReply {
  if (!deps.enabled) return text('4.04', 'not found');
  if (msg.code !== POST) return text('4.05', 'Send is a POST');
  const reg = deps.registrationOf(peer);
  if (reg === undefined) {
    if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ peer: formatPeer(peer.address, peer.port) }, 'Send from a peer with no registration refused');
    return { code: '4.03' };
  }
  const format = uintOptionOf(msg, CoapOption.CONTENT_FORMAT);
  // Transport §6.5.1: Send carries SenML JSON or SenML CBOR only.
  if (!isCompositeFormat(format)) return text('4.15', `Send must be SenML JSON (110) or SenML CBOR (112), got ${contentFormatName(format)}`);
  let content: readonly ContentEntry[];
  try {
    content = decodeCompositeContent(format, msg.payload, (oid, rid) => deps.models.resource(oid, rid, reg.objects?.versions.get(oid)));
  } catch (err) {
    const reason = (err as Error).message;
    if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ endpoint: reg.endpoint, reason }, 'Send refused');
    return text('4.00', reason);
  }
  if (content.length === 0) return text('4.00', 'Send carries no values');
  // LwM2M 1.1 TS §6.4.4: Send reports values; a record naming a resource without one (RFC 8428 §4.2 v / vs /
  // vb / vd, or vlo) would be published as null, which no consumer can tell from a real reading.
  const empty = content.find((entry) => entry.value === null);
  if (empty !== undefined) return text('4.00', `Send record for ${empty.path} carries no value`);
  deps.deliver(reg, content);
  return { code: '2.04' };
}

/** A refusal: the reason is logged at debug, never sent (no diagnostic payloads, RFC 7252 §11.3). */
function text(code: string, reason: string): CoapReply {
  return { code, reason };
}
