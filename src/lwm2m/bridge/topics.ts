import type { Lwm2mTranslators, Qos, TranslatorConfig } from '../../config/types.js';

/** Values for the mountpoint placeholders (EMQX gateway.lwm2m.mountpoint). */
export interface MountpointVars {
  readonly endpoint_name: string;
  readonly clientid: string;
  readonly username: string;
  readonly peerhost: string;
}

const PLACEHOLDER = /\$\{(endpoint_name|clientid|username|peerhost)\}/g;

/** Replaces `${endpoint_name}`, `${clientid}`, `${username}`, `${peerhost}`; other text stays as written. */
export function renderMountpoint(template: string, vars: MountpointVars): string {
  return template.replace(PLACEHOLDER, (_m, name: keyof MountpointVars) => vars[name]);
}

/** EMQX: topic = mountpoint + translator topic, plain concatenation (no slash added or removed). */
export function translatorTopic(mountpoint: string, translator: TranslatorConfig): string {
  return mountpoint + translator.topic;
}

/** The translators of a device's topics (topic = its rendered mountpoint + translator topic). */
export type TopicKind = 'command' | 'response' | 'notify' | 'register' | 'update' | 'deregister' | 'send' | 'bootstrap';

/** The translator of a kind; `send` falls back to `response`, `bootstrap` to `register` when not configured. */
export function translatorOf(t: Lwm2mTranslators, kind: TopicKind): TranslatorConfig {
  if (kind === 'send') return t.send ?? t.response;
  if (kind === 'bootstrap') return t.bootstrap ?? t.register;
  return t[kind];
}

/**
 * A device's topic of one kind. Computed when used instead of stored per
 * registration (seven topic strings per device cost ~500 bytes);
 * the mountpoint is the only per-device part.
 */
export function deviceTopic(mountpoint: string, t: Lwm2mTranslators, kind: TopicKind): string {
  return mountpoint + translatorOf(t, kind).topic;
}

/**
 * The QoS the bridge subscribes its command filters with: `translators.command.qos`, but at least 1.
 * EMQX's gateway lives inside the broker and never misses a command; this bridge is a client whose
 * session can be away (broker restart, takeover). A broker queues for an absent persistent session only
 * what it would deliver at QoS 1 or 2, and delivers at the lower of the publish and subscription QoS
 * (MQTT 3.1.1 §3.1.2.4, §3.8.4): with a QoS 0 subscription, even commands published at QoS 1 would be
 * lost meanwhile. At least 1 here, the publisher's QoS decides; QoS 0 commands stay QoS 0 either way.
 */
export function commandSubscriptionQos(configured: Qos): Qos {
  return configured === 0 ? 1 : configured;
}

/** EMQX hard-codes firmware (object 5) notifications to `{mountpoint}/v1/up/dm`, QoS 0. */
export function firmwareNotifyTopic(mountpoint: string): string {
  return `${mountpoint}/v1/up/dm`;
}

/**
 * One command filter for all devices, when the mountpoint's only
 * placeholder is `${endpoint_name}` and it fills whole topic levels (the
 * default `lwm2m/${endpoint_name}/`): that level becomes `+`, and the
 * endpoint is read back from the topic. One broker subscription instead of
 * one per device. Other mountpoints (clientid, username,
 * peerhost, or no placeholder at all) keep one subscription per device.
 */
export interface SharedCommandFilter {
  readonly filter: string;
  /** Topic levels holding the endpoint name (all equal in a matching topic). */
  readonly endpointLevels: readonly number[];
}

export function sharedCommandFilter(mountpointTemplate: string, t: Lwm2mTranslators): SharedCommandFilter | undefined {
  const names = [...mountpointTemplate.matchAll(PLACEHOLDER)].map((m) => m[1]);
  if (names.length === 0 || names.some((n) => n !== 'endpoint_name')) return undefined;
  const levels = (mountpointTemplate + t.command.topic).split('/');
  const endpointLevels: number[] = [];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (!level.includes('${')) continue;
    if (level !== '${endpoint_name}') return undefined;
    endpointLevels.push(i);
  }
  if (endpointLevels.length === 0) return undefined;
  return { filter: levels.map((l) => (l === '${endpoint_name}' ? '+' : l)).join('/'), endpointLevels };
}

/** The endpoint a topic delivered on a shared command filter is for; undefined if the levels disagree. */
export function endpointFromTopic(shared: SharedCommandFilter, topic: string): string | undefined {
  const levels = topic.split('/');
  let endpoint: string | undefined;
  for (const i of shared.endpointLevels) {
    const value = levels[i];
    if (value === undefined || value === '' || (endpoint !== undefined && value !== endpoint)) return undefined;
    endpoint = value;
  }
  return endpoint;
}
