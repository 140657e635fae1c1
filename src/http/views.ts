import type { MqttSnConfig } from '../config/types.js';
import type { Lwm2mBridge } from '../lwm2m/bridge/lwm2m-bridge.js';
import type { ModelRegistry } from '../lwm2m/model/types.js';
import type { Registration } from '../lwm2m/registration/registration.js';
import type { Session } from '../mqttsn/session.js';
import { isConnected } from '../mqttsn/session-state.js';

/** RFC 3339 from epoch ms. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** Fields of one MQTT-SN client, named as EMQX names them where it has the field (operations.md §2). */
export interface MqttSnClientView {
  clientid: string;
  username: null;
  mountpoint: string;
  proto_name: 'MQTT-SN';
  proto_ver: '1.2';
  ip_address: string | null;
  port: number | null;
  listener: number;
  connected: boolean;
  conn_state: string;
  state_since: string;
  last_seen: string;
  keepalive: number;
  sleep_duration: number;
  clean_start: boolean;
  expiry_interval: number;
  subscriptions_cnt: number;
  topics_cnt: number;
  inflight_cnt: number;
  inflight_max: number;
  mqueue_len: number;
  mqueue_max: number;
  awaiting_rel_cnt: number;
  has_will: boolean;
}

export function mqttSnClientView(session: Session, config: MqttSnConfig): MqttSnClientView {
  return {
    clientid: session.clientId ?? '',
    username: null,
    mountpoint: session.mountpoint,
    proto_name: 'MQTT-SN',
    proto_ver: '1.2',
    ip_address: session.attached ? session.peer.address : null,
    port: session.attached ? session.peer.port : null,
    listener: session.peer.listener,
    connected: isConnected(session.state),
    conn_state: session.state,
    state_since: rfc3339(session.stateSince),
    last_seen: rfc3339(session.lastHeard),
    keepalive: Math.round(session.keepAliveMs / 1000),
    sleep_duration: Math.round(session.sleepMs / 1000),
    clean_start: session.cleanSession,
    expiry_interval: session.cleanSession ? 0 : Math.round(config.session_expiry / 1000),
    subscriptions_cnt: session.hasSubscriptions ? session.subscriptionEntries().length : 0,
    topics_cnt: session.topicCount,
    inflight_cnt: session.inflightCount,
    inflight_max: config.max_inflight,
    mqueue_len: session.pendingCount,
    mqueue_max: config.sleep_buffer_size,
    awaiting_rel_cnt: session.awaitingRel?.size ?? 0,
    has_will: session.will !== undefined,
  };
}

/** Fields of one LwM2M client (EMQX names plus the registration's own). */
export interface Lwm2mClientView {
  clientid: string;
  endpoint_name: string;
  username: string;
  mountpoint: string;
  proto_name: 'LwM2M';
  proto_ver: string;
  ip_address: string;
  port: number;
  listener: number;
  lifetime: number;
  binding: string;
  queue_mode: boolean;
  objects: readonly string[];
  last_seen: string;
  expires_at: string;
  queue_depth: number;
  inflight_cnt: number;
  observations: number;
  security: 'none';
}

export function lwm2mClientView(reg: Registration, bridge: Lwm2mBridge): Lwm2mClientView {
  return {
    clientid: reg.clientId,
    endpoint_name: reg.endpoint,
    username: reg.username,
    mountpoint: reg.mountpoint,
    proto_name: 'LwM2M',
    proto_ver: reg.lwm2m,
    ip_address: reg.peer.address,
    port: reg.peer.port,
    listener: reg.listener,
    lifetime: reg.lifetime,
    binding: reg.binding,
    queue_mode: reg.queueMode,
    objects: reg.objects?.objectList ?? [],
    last_seen: rfc3339(reg.lastSeen),
    expires_at: rfc3339(reg.expiresAt),
    queue_depth: reg.queue?.length ?? 0,
    inflight_cnt: reg.inflight,
    observations: bridge.observedPaths(reg.endpoint).length,
    // Plain UDP: NoSec (LwM2M 1.1 TS §7.1). DTLS modes are reported once the transport offers them.
    security: 'none',
  };
}

/** One resource of an object model, as the dashboard's tree shows it. */
export interface ResourceView {
  id: number;
  name: string;
  operations: string;
  type: string;
  units: string;
  multiple: boolean;
  mandatory: boolean;
  description: string;
}

export interface ObjectInstanceView {
  path: string;
  objectId: number;
  instanceId: number | null;
  name: string;
  version: string;
  description: string;
  known: boolean;
  resources: ResourceView[];
}

/**
 * The device's object tree: every object instance from its registration
 * links, with the resources of the loaded model (the version the device
 * announced with `ver=` when that version is loaded).
 */
export function objectTree(reg: Registration, models: ModelRegistry): ObjectInstanceView[] {
  const out: ObjectInstanceView[] = [];
  const seen = new Set<string>();
  for (const link of reg.objects?.objectList ?? []) {
    const m = /^\/(\d+)(?:\/(\d+))?$/.exec(link);
    if (m === null) continue;
    const objectId = Number(m[1]);
    const instanceId = m[2] === undefined ? null : Number(m[2]);
    // An object link (</3>) with instance links (</3/0>) beside it: show the instances only.
    if (instanceId === null && reg.objects?.objectList.some((l) => l.startsWith(`/${objectId}/`))) continue;
    const path = instanceId === null ? `/${objectId}` : `/${objectId}/${instanceId}`;
    if (seen.has(path)) continue;
    seen.add(path);
    const model = models.get(objectId, reg.objects?.versions.get(objectId));
    out.push({
      path,
      objectId,
      instanceId,
      name: model?.name ?? `Object ${objectId}`,
      version: model?.version ?? reg.objects?.versions.get(objectId) ?? '',
      description: model?.description ?? '',
      known: model !== undefined,
      resources:
        model === undefined
          ? []
          : [...model.resources.values()].map((r) => ({
              id: r.id,
              name: r.name,
              operations: r.operations,
              type: r.type,
              units: r.units,
              multiple: r.multiple,
              mandatory: r.mandatory,
              description: r.description,
            })),
    });
  }
  return out;
}
