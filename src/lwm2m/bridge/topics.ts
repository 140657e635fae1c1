import type { Lwm2mTranslators, TranslatorConfig } from '../../config/types.js';

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

/** Uplink topics of one device, computed once at registration. */
export interface DeviceTopics {
  readonly mountpoint: string;
  /** Subscription filter for commands, e.g. `lwm2m/ep/command` or `lwm2m/ep/dn/#`. */
  readonly command: string;
  readonly response: string;
  readonly notify: string;
  readonly register: string;
  readonly update: string;
  readonly deregister: string;
  /** EMQX hard-codes firmware (object 5) notifications to `{mountpoint}/v1/up/dm`, QoS 0. */
  readonly firmwareNotify: string;
}

export function deviceTopics(mountpoint: string, t: Lwm2mTranslators): DeviceTopics {
  return {
    mountpoint,
    command: translatorTopic(mountpoint, t.command),
    response: translatorTopic(mountpoint, t.response),
    notify: translatorTopic(mountpoint, t.notify),
    register: translatorTopic(mountpoint, t.register),
    update: translatorTopic(mountpoint, t.update),
    deregister: translatorTopic(mountpoint, t.deregister),
    firmwareNotify: `${mountpoint}/v1/up/dm`,
  };
}
