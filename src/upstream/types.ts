import type { UpstreamHealth } from './link-health.js';
import type { Qos } from '../config/types.js';
import type { BindAddress } from '../transport/bind.js';
import type { PublishRefusals } from './mqtt-link.js';

/** A message to or from the broker. Topics here are full broker topics (mountpoint applied). */
export interface UpstreamMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
}

export interface UpstreamSessionOptions {
  readonly clientId: string;
  readonly username?: string | undefined;
  readonly password?: Buffer | undefined;
  readonly cleanSession: boolean;
  /** Keepalive of the broker session in seconds (0 = off). */
  readonly keepAliveSeconds: number;
  /**
   * Will registered with the broker at connect, so that a gateway crash still
   * publishes it. The gateway publishes the CURRENT will itself when it
   * declares a device lost (wills can change during a session), then ends
   * the broker session cleanly so the broker does not publish a stale one.
   */
  readonly will?: UpstreamMessage | undefined;
}

export interface UpstreamSessionEvents {
  /** A message for this session arrived from the broker. */
  onMessage(message: UpstreamMessage): void;
  /** The broker ended the session for good (taken over, refused after reconnect, closed). */
  onClose?(reason: Error | undefined): void;
}

/** SUBACK per filter: granted QoS, or 0x80 for failure. */
export type SubscribeResult = Qos | 0x80;

/** One session on the broker (one MQTT connection in transparent mode). */
export interface UpstreamSession {
  /** The broker still had a session for this client id (clean session false). */
  readonly sessionPresent: boolean;
  /** Resolves once the broker accepted the message (PUBACK / PUBCOMP for QoS 1/2). */
  publish(message: UpstreamMessage): Promise<void>;
  subscribe(filters: readonly { readonly topic: string; readonly qos: Qos }[]): Promise<SubscribeResult[]>;
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** Normal end (MQTT DISCONNECT: the broker discards the will). Idempotent. */
  end(): Promise<void>;
}

/** Opens broker sessions: against the embedded aedes broker in-process, or an external broker. */
export interface UpstreamConnector {
  /** `embedded` or the external server URL, for logs. */
  readonly description: string;
  /** External broker: whether its connections are up (undefined = in-process, always up). */
  readonly health?: UpstreamHealth | undefined;
  /** The embedded broker's TCP address (actual port when bound to 0); undefined for an external broker or no listener. */
  readonly embeddedAddress?: BindAddress | undefined;
  /** External broker: publishes it did not take in time (bounded offline queues, writeTimeout). */
  readonly publishRefusals?: Readonly<PublishRefusals> | undefined;
  open(options: UpstreamSessionOptions, events: UpstreamSessionEvents): Promise<UpstreamSession>;
  /** Closes every session it opened and the embedded broker (if any). */
  close(): Promise<void>;
}
