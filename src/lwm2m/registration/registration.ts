import type { Peer } from '../../transport/bind.js';
import type { DeviceAuth } from '../../security/admission.js';
import type { Lwm2mCommand } from '../bridge/command.js';
import type { PackedQuery } from './packed-query.js';
import type { ObjectLinks } from './object-links.js';

export interface QueuedCommand {
  readonly command: Lwm2mCommand;
  readonly queuedAt: number;
}

/**
 * One registered device (LwM2M 1.1 TS §6.2.1). Plain mutable record owned
 * by the RegistrationStore; the downlink scheduler keeps its per-device
 * state here too, so one lookup finds everything.
 *
 * Kept small (100,000 devices at <= 4 KiB each): no Map, array or
 * topic string per device that can be shared or computed when used. The
 * Location-Path is `rd/<endpoint>`; topics are mountpoint + translator
 * (bridge/topics.ts); `objects` is shared between devices that sent the
 * same link payload (LinkCache); `queue` exists only while commands wait.
 */
export interface Registration {
  readonly endpoint: string;
  lwm2m: string;
  /** `lt` as last sent (seconds), reported as is. */
  lifetime: number;
  /** Effective (clamped) lifetime, ms. */
  lifetimeMs: number;
  binding: string;
  queueMode: boolean;
  /** Register query merged with every Update's query, in order. */
  query: PackedQuery;
  /** From the last link payload; undefined if none was ever sent. Shared: never mutate. */
  objects: ObjectLinks | undefined;
  peer: Peer;
  /** `device_id` (else ep) and `imei` (else ep) of the last Register: the mountpoint's `${clientid}` / `${username}`. */
  clientId: string;
  username: string;
  /** The rendered mountpoint: every topic of this device starts with it. */
  mountpoint: string;
  /** How the device authenticated at its last Register (shared object for `none`): no secrets. */
  auth: DeviceAuth;
  /** Index of the listener (UDP port) the device last registered or updated through: downlinks leave from it. */
  listener: number;
  lastSeen: number;
  expiresAt: number;
  /** Downlink requests in flight (bounded by max_inflight). */
  inflight: number;
  /** Commands waiting (in-flight backlog and queue mode), oldest first; undefined when none ever waited. */
  queue: QueuedCommand[] | undefined;
}

/** Location-Path answered at Register: `rd/<ep>` as EMQX. */
export function registrationLocation(reg: Registration): string[] {
  return ['rd', reg.endpoint];
}
