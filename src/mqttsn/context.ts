import type { MqttSnConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Admission, DeviceAuth } from '../security/admission.js';
import type { UdpListenerConfig } from '../config/types.js';
import type { UpstreamConnector } from '../upstream/types.js';
import type { MqttSnPacket } from './codec/types.js';
import type { Delivery } from './outbound.js';
import type { SnPeer } from './peer.js';
import type { Session } from './session.js';
import type { SessionTable } from './session-table.js';
import type { MqttSnStats } from './stats.js';
import type { PredefinedTopics } from './topic-registry.js';
import type { UpstreamLinks } from './upstream-link.js';

/** What handlers and the delivery pipeline get from the gateway. */
export interface GatewayContext {
  readonly config: MqttSnConfig;
  readonly logger: Logger;
  readonly stats: MqttSnStats;
  readonly table: SessionTable;
  readonly predefined: PredefinedTopics;
  readonly upstream: UpstreamConnector;
  readonly delivery: Delivery;
  readonly links: UpstreamLinks;
  /** Cached `logger.isLevelEnabled('debug')`: packet logs are built only when wanted. */
  readonly debug: boolean;
  /** Listener settings by listener index (plain listeners first, then DTLS ones). */
  readonly listenerConfigs: readonly UdpListenerConfig[];
  now(): number;
  /** May this peer use `clientId` (its DTLS identity, or the plain-listener rules)? Refusals are logged. */
  admit(peer: SnPeer, clientId: string): Admission;
  /** Whether the transport's current session at this address proves `auth` (same mode and identity). */
  provesIdentity(listener: number, address: string, port: number, auth: DeviceAuth): boolean;
  /** Encodes (encapsulating for forwarder nodes) and sends; false when it exceeds max_message_size. */
  send(peer: SnPeer, packet: MqttSnPacket): boolean;
  /** Makes sure the session's next deadline is on the timer wheel. */
  reschedule(session: Session): void;
  /** Takes a session off the timer wheel. */
  unschedule(session: Session): void;
  /** Handles a packet as if it had just arrived (items left in a session that let go of its peer). */
  redispatch(peer: SnPeer, packet: MqttSnPacket): void;
}
