/** MQTT-SN topic helpers: wildcards and the `${clientid}` templates (validity: src/topics/topic-rules.ts). */

export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/** Fills `${clientid}` in an EMQX-style template. */
export function fillClientIdTemplate(template: string, clientId: string): string {
  return template.includes('${clientid}') ? template.split('${clientid}').join(clientId) : template;
}

/** Broker topic -> device topic; undefined when the topic is outside the mountpoint. */
export function stripMountpoint(mountpoint: string, topic: string): string | undefined {
  if (mountpoint.length === 0) return topic;
  return topic.startsWith(mountpoint) ? topic.slice(mountpoint.length) : undefined;
}
