import type { Lwm2mConfig } from '../../config/types.js';
import { checkDeviceSuppliedName, decodeStrictUtf8 } from '../../topics/topic-rules.js';
import type { Peer } from '../../transport/bind.js';
import { renderMountpoint } from '../bridge/topics.js';
import { LinkCache } from './link-cache.js';
import { RegistrationLimits, type Placement } from './registration-limits.js';
import type { ObjectLinks } from './object-links.js';
import { PackedQuery } from './packed-query.js';
import { MAX_QUERY_PARAMS, checkRegisterQuery, checkUpdateQuery, effectiveLifetimeMs, isQueueMode, parseQuery } from './register-query.js';
import { registrationLocation, type Registration } from './registration.js';
import { objectVersionRefusal } from './version-rules.js';
import type { RegistrationStore } from './store.js';
import { NO_AUTH, type Admission } from '../../security/admission.js';

/** Outcome of a registration interface operation, as a value (no CoAP types). */
export type RdResult =
  | { readonly code: '2.01'; readonly location: readonly string[] }
  | { readonly code: '2.02' | '2.04' }
  | { readonly code: '4.00' | '4.03' | '4.04' | '4.12' | '4.13' | '5.03'; readonly reason: string };

/**
 * Whether the sender may act as `endpoint` (its DTLS identity, or the plain
 * listener rules: security/admission.ts). Every operation is checked: a
 * plain Update or De-register must not move or end a secured registration.
 */
export type EndpointGate = (endpoint: string) => Admission;

/** Plain UDP without credentials anywhere: everyone is admitted as `none`. */
export const OPEN_GATE: EndpointGate = () => ({ ok: true, auth: NO_AUTH });

export interface RegistrarEvents {
  /** New registration, or a re-registration that replaced one (`previousMountpoint` then set). */
  registered(reg: Registration, previousMountpoint: string | undefined): void;
  /** `previousMountpoint` is set when a NAT rebinding changed the mountpoint (`${peerhost}`). */
  updated(reg: Registration, hadLinks: boolean, previousMountpoint: string | undefined): void;
  deregistered(reg: Registration, reason: 'deregister' | 'expired'): void;
}

type RegistrarConfig = Pick<
  Lwm2mConfig,
  'lifetime_min' | 'lifetime_max' | 'lifetime_grace' | 'mountpoint' | 'translators' | 'max_link_payload' | 'max_links' | 'max_registrations_per_address'
> & {
  readonly listeners: {
    readonly udp: Readonly<Record<string, { readonly max_connections: number }>>;
    readonly dtls?: Readonly<Record<string, { readonly max_connections: number }>>;
  };
};

type Refused = Extract<RdResult, { reason: string }>;

/**
 * The registration interface core (LwM2M 1.1 TS §6.2): Register, Update,
 * De-register and lifetime expiry. Knows LwM2M, not CoAP.
 */
export class Registrar {
  readonly #config: RegistrarConfig;
  readonly #store: RegistrationStore;
  readonly #events: RegistrarEvents;
  readonly #now: () => number;
  readonly #links = new LinkCache();
  /** Registrations per listener (index: lwm2m.listeners.udp, then .dtls) and per source address. */
  readonly limits: RegistrationLimits;

  constructor(opts: { config: RegistrarConfig; store: RegistrationStore; events: RegistrarEvents; now?: () => number }) {
    this.#config = opts.config;
    this.#store = opts.store;
    this.#events = opts.events;
    this.#now = opts.now ?? Date.now;
    // Listener indices: plain listeners first, then DTLS ones (transport/listeners.ts).
    const maxPerListener = [...Object.values(opts.config.listeners.udp), ...Object.values(opts.config.listeners.dtls ?? {})].map((l) => l.max_connections);
    this.limits = new RegistrationLimits(maxPerListener, opts.config.max_registrations_per_address);
  }

  register(queryOptions: readonly string[], payload: Buffer, peer: Peer, listener = 0, gate: EndpointGate = OPEN_GATE): RdResult {
    const checked = checkRegisterQuery(parseQuery(queryOptions));
    if (!checked.ok) return { code: checked.code ?? '4.00', reason: checked.reason };
    const params = checked.value;
    const admission = gate(params.endpoint);
    if (!admission.ok) return { code: '4.03', reason: admission.reason };
    const links = this.#parseLinks(payload);
    if (links !== undefined && 'code' in links) return links;
    const badVersion = objectVersionRefusal(params.lwm2m, links?.versionProblem);
    if (badVersion !== undefined) return { code: '4.00', reason: badVersion };
    const now = this.#now();
    const username = params.query.get('imei') ?? params.endpoint;
    const clientId = params.query.get('device_id') ?? params.endpoint;
    const lifetimeMs = effectiveLifetimeMs(params.lifetime, this.#config.lifetime_min, this.#config.lifetime_max);
    const mountpoint = this.#mountpoint(params.endpoint, clientId, username, peer);
    if (typeof mountpoint !== 'string') return mountpoint;
    const query = PackedQuery.from(params.query);
    const existing = this.#store.get(params.endpoint);
    const full = this.#admit(existing, listener, peer);
    if (full !== undefined) return full;
    if (existing !== undefined) {
      // A Register for a known endpoint replaces the old registration (LwM2M 1.1 TS §6.2.1);
      // its queued downlinks and in-flight bookkeeping carry over.
      const previousMountpoint = existing.mountpoint;
      this.#store.movePeer(existing, peer);
      existing.lwm2m = params.lwm2m;
      existing.lifetime = params.lifetime;
      existing.lifetimeMs = lifetimeMs;
      existing.binding = params.binding;
      existing.queueMode = params.queueMode;
      existing.query = query;
      existing.objects = links;
      existing.clientId = clientId;
      existing.username = username;
      existing.mountpoint = mountpoint;
      existing.auth = admission.auth;
      existing.lastSeen = now;
      existing.expiresAt = now + lifetimeMs + this.#config.lifetime_grace;
      this.#events.registered(existing, previousMountpoint);
      return { code: '2.01', location: registrationLocation(existing) };
    }
    // One object literal with every field: one hidden class for all registrations.
    const reg: Registration = {
      endpoint: params.endpoint,
      lwm2m: params.lwm2m,
      lifetime: params.lifetime,
      lifetimeMs,
      binding: params.binding,
      queueMode: params.queueMode,
      query,
      objects: links,
      peer,
      clientId,
      username,
      mountpoint,
      auth: admission.auth,
      listener,
      lastSeen: now,
      expiresAt: now + lifetimeMs + this.#config.lifetime_grace,
      inflight: 0,
      queue: undefined,
    };
    this.#store.add(reg);
    this.limits.move(undefined, placement(reg));
    this.#events.registered(reg, undefined);
    return { code: '2.01', location: registrationLocation(reg) };
  }

  update(endpoint: string, queryOptions: readonly string[], payload: Buffer, peer: Peer, listener?: number, gate: EndpointGate = OPEN_GATE): RdResult {
    const reg = this.#store.get(endpoint);
    if (reg === undefined) return { code: '4.04', reason: `no registration at rd/${endpoint}` };
    const admission = gate(endpoint);
    if (!admission.ok) return { code: '4.03', reason: admission.reason };
    const query = parseQuery(queryOptions);
    const checked = checkUpdateQuery(query, reg.lwm2m);
    if (!checked.ok) return { code: '4.00', reason: checked.reason };
    // An Update without parameters (the usual refresh) keeps the packed query as is.
    let merged: PackedQuery | undefined;
    if (query.size > 0) {
      const map = reg.query.toMap();
      for (const [k, v] of query) map.set(k, v);
      if (map.size > MAX_QUERY_PARAMS) return { code: '4.00', reason: `more than ${MAX_QUERY_PARAMS} query parameters` };
      merged = PackedQuery.from(map);
    }
    const links = this.#parseLinks(payload);
    if (links !== undefined && 'code' in links) return links;
    const badVersion = objectVersionRefusal(reg.lwm2m, links?.versionProblem);
    if (badVersion !== undefined) return { code: '4.00', reason: badVersion };
    const full = this.#admit(reg, listener ?? reg.listener, peer);
    if (full !== undefined) return full;
    if (merged !== undefined) reg.query = merged;
    if (checked.value.lifetime !== undefined) {
      reg.lifetime = checked.value.lifetime;
      reg.lifetimeMs = effectiveLifetimeMs(reg.lifetime, this.#config.lifetime_min, this.#config.lifetime_max);
    }
    const binding = query.get('b');
    if (binding !== undefined) reg.binding = binding;
    reg.queueMode = isQueueMode(reg.binding, reg.query);
    if (links !== undefined) reg.objects = links;
    let previousMountpoint: string | undefined;
    if (peer.address !== reg.peer.address || peer.port !== reg.peer.port) {
      // NAT rebinding: the Update proves the device now lives at this address.
      this.#store.movePeer(reg, peer);
      const mountpoint = this.#mountpoint(reg.endpoint, reg.clientId, reg.username, peer);
      if (typeof mountpoint === 'string' && mountpoint !== reg.mountpoint) {
        previousMountpoint = reg.mountpoint;
        reg.mountpoint = mountpoint;
      }
    }
    this.touch(reg);
    this.#events.updated(reg, links !== undefined, previousMountpoint);
    return { code: '2.04' };
  }

  deregister(endpoint: string, gate: EndpointGate = OPEN_GATE): RdResult {
    const reg = this.#store.get(endpoint);
    if (reg === undefined) return { code: '4.04', reason: `no registration at rd/${endpoint}` };
    const admission = gate(endpoint);
    if (!admission.ok) return { code: '4.03', reason: admission.reason };
    this.#store.remove(reg);
    this.#release(reg);
    this.#events.deregistered(reg, 'deregister');
    return { code: '2.02' };
  }

  /** Any message from the device restarts its lifetime (as EMQX does). */
  touch(reg: Registration): void {
    const now = this.#now();
    reg.lastSeen = now;
    reg.expiresAt = now + reg.lifetimeMs + this.#config.lifetime_grace;
  }

  /** The one expiry sweep: lifetime + lifetime_grace without a message. */
  sweep(): number {
    const expired = this.#store.takeExpired(this.#now());
    for (const reg of expired) {
      this.#release(reg);
      this.#events.deregistered(reg, 'expired');
    }
    return expired.length;
  }

  /**
   * A registration arriving on `listener` from `peer` (new, or moving) is
   * refused while that listener holds max_connections registrations, or that
   * address max_registrations_per_address: 5.03 Service Unavailable, a
   * temporary condition the device may retry later (RFC 7252 §5.9.3.4); after
   * a 4.xx it should not repeat the request unchanged (§5.9.2).
   */
  #admit(existing: Registration | undefined, listener: number, peer: Peer): Refused | undefined {
    const to: Placement = { listener, address: peer.address };
    const from = existing === undefined ? undefined : placement(existing);
    const refusal = this.limits.refusal(from, to);
    if (refusal !== undefined) return { code: '5.03', reason: refusal };
    if (existing !== undefined && from !== undefined && (from.listener !== listener || from.address !== peer.address)) {
      this.limits.move(from, to);
      existing.listener = listener;
    }
    return undefined;
  }

  #release(reg: Registration): void {
    this.limits.release(placement(reg));
  }

  #parseLinks(payload: Buffer): ObjectLinks | undefined | Refused {
    if (payload.length === 0) return undefined;
    if (payload.length > this.#config.max_link_payload) {
      return { code: '4.13', reason: `link payload of ${payload.length} bytes is above max_link_payload (${this.#config.max_link_payload})` };
    }
    const text = decodeStrictUtf8(payload);
    if (text === undefined) return { code: '4.00', reason: 'link payload is not valid UTF-8' };
    let links: ObjectLinks;
    try {
      links = this.#links.parse(text);
    } catch (err) {
      return { code: '4.00', reason: `invalid link-format payload: ${(err as Error).message}` };
    }
    if (links.objectList.length > this.#config.max_links) {
      return { code: '4.00', reason: `${links.objectList.length} links is above max_links (${this.#config.max_links})` };
    }
    return links;
  }

  /** The rendered mountpoint; refused when a device-supplied value in it would change the topic structure. */
  #mountpoint(endpoint: string, clientid: string, username: string, peer: Peer): string | Refused {
    const template = this.#config.mountpoint;
    // No placeholder: every device shares the configured string.
    if (!template.includes('${')) return template;
    for (const [name, value] of [
      ['clientid', clientid],
      ['username', username],
    ] as const) {
      if (!template.includes(`\${${name}}`)) continue;
      const bad = checkDeviceSuppliedName(value);
      if (bad !== undefined) return { code: '4.00', reason: `${name === 'clientid' ? 'device_id' : 'imei'} ${bad}` };
    }
    return renderMountpoint(template, { endpoint_name: endpoint, clientid, username, peerhost: peer.address });
  }
}

function placement(reg: Registration): Placement {
  return { listener: reg.listener, address: reg.peer.address };
}
