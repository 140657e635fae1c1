/** MQTT topic name / filter rules (MQTT 3.1.1 §4.7) and the `${clientid}` templates. */

export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/**
 * Names and filters a device supplies are checked by the shared topic rules
 * (strict UTF-8, no NUL, wildcards only in filters); each check returns the
 * reason for the debug log, or undefined when the value is acceptable.
 */
export { checkDeviceSuppliedName, checkTopicFilter, checkTopicName } from '../topics/topic-rules.js';

/** Fills `${clientid}` in an EMQX-style template. */
export function fillClientIdTemplate(template: string, clientId: string): string {
  return template.includes('${clientid}') ? template.split('${clientid}').join(clientId) : template;
}

/** Broker topic -> device topic; undefined when the topic is outside the mountpoint. */
export function stripMountpoint(mountpoint: string, topic: string): string | undefined {
  if (mountpoint.length === 0) return topic;
  return topic.startsWith(mountpoint) ? topic.slice(mountpoint.length) : undefined;
}
