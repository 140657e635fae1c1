/** MQTT topic name / filter rules (MQTT 3.1.1 §4.7) and the `${clientid}` templates. */

export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/** A topic name a client may publish to: non-empty, no wildcards, no NUL (MQTT 3.1.1 §4.7.3). */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !hasWildcard(topic) && !topic.includes('\u0000');
}

/** A topic filter: `#` only as the whole last level, `+` only as a whole level (MQTT 3.1.1 §4.7.1). */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i += 1) {
    const level = levels[i] as string;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
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
