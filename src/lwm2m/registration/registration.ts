import type { Peer } from '../../transport/udp.js';
import type { DeviceTopics } from '../bridge/topics.js';
import type { Lwm2mCommand } from '../bridge/command.js';
import type { QueryParams } from './register-query.js';
import type { ObjectLinks } from './object-links.js';

export interface QueuedCommand {
  readonly command: Lwm2mCommand;
  readonly queuedAt: number;
}

/**
 * One registered device (LwM2M 1.1 TS §6.2.1). Plain mutable record owned
 * by the RegistrationStore; the downlink scheduler keeps its per-device
 * state here too, so one lookup finds everything.
 */
export interface Registration {
  readonly endpoint: string;
  /** Location-Path segments answered at Register: `rd/<ep>` as EMQX. */
  readonly location: readonly string[];
  lwm2m: string;
  /** `lt` as last sent (seconds), reported as is. */
  lifetime: number;
  /** Effective (clamped) lifetime, ms. */
  lifetimeMs: number;
  binding: string;
  queueMode: boolean;
  /** Register query merged with every Update's query, in order. */
  query: QueryParams;
  /** From the last link payload; undefined if none was ever sent. */
  objects: ObjectLinks | undefined;
  peer: Peer;
  /** `device_id` (else ep) and `imei` (else ep) of the last Register: the mountpoint's `${clientid}` / `${username}`. */
  clientId: string;
  username: string;
  topics: DeviceTopics;
  registeredAt: number;
  lastSeen: number;
  expiresAt: number;
  /** Downlink requests in flight (bounded by max_inflight). */
  inflight: number;
  /** Commands waiting (in-flight backlog and queue mode), oldest first. */
  queue: QueuedCommand[];
}
