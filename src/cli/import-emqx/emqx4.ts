/**
 * EMQX 4 plugin configs (`etc/plugins/emqx_sn.conf`, `etc/plugins/emqx_lwm2m.conf`) are
 * cuttlefish files, not HOCON: one `dotted.key = value` per line, `#` comments. This reads
 * them into the EMQX 5 shape (`{ mqttsn: {...}, lwm2m: {...} }`) so one mapping serves both,
 * and lists every key that has no EMQX 5 counterpart.
 */

export interface Emqx4Result {
  readonly gateway: { mqttsn?: Record<string, unknown>; lwm2m?: Record<string, unknown> };
  readonly dropped: { key: string; reason: string }[];
}

export function looksLikeEmqx4(text: string): boolean {
  return /^\s*(mqtt\.sn|lwm2m)\.[\w.]+\s*=/m.test(text) && !/^\s*gateway[\s.{]/m.test(text);
}

export function readEmqx4(text: string): Emqx4Result {
  const mqttsn: Record<string, unknown> = {};
  const lwm2m: Record<string, unknown> = {};
  const dropped: { key: string; reason: string }[] = [];
  const predefined: { id: number; topic: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) {
      dropped.push({ key: line, reason: 'not a "key = value" line' });
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key.startsWith('mqtt.sn.')) readSn(key, key.slice('mqtt.sn.'.length), value, mqttsn, predefined, dropped);
    else if (key.startsWith('lwm2m.')) readLwm2m(key, key.slice('lwm2m.'.length), value, lwm2m, dropped);
    else dropped.push({ key, reason: 'not an MQTT-SN or LwM2M gateway key' });
  }
  if (predefined.length > 0) mqttsn.predefined = predefined.sort((a, b) => a.id - b.id);
  const gateway: Emqx4Result['gateway'] = {};
  if (Object.keys(mqttsn).length > 0) gateway.mqttsn = mqttsn;
  if (Object.keys(lwm2m).length > 0) gateway.lwm2m = lwm2m;
  return { gateway, dropped };
}

function scalar(value: string): string | number | boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value.replace(/^"(.*)"$/, '$1');
}

function readSn(
  key: string,
  name: string,
  value: string,
  out: Record<string, unknown>,
  predefined: { id: number; topic: string }[],
  dropped: { key: string; reason: string }[],
): void {
  const topic = /^predefined\.topic\.(\d+)$/.exec(name);
  if (topic !== null) {
    const id = Number(topic[1]);
    // emqx_sn reserves topic 0 ("reserved") in its example file.
    if (id === 0) dropped.push({ key, reason: 'topic id 0 is reserved (MQTT-SN v1.2 §5.3.11)' });
    else predefined.push({ id, topic: value });
    return;
  }
  switch (name) {
    case 'port':
      setListener(out, 'default', 'bind', String(scalar(value)));
      return;
    case 'advertise_duration':
      // EMQX 4 always advertised; EMQX 5 and this gateway only with broadcast on.
      out.advertise_duration = durationOf(value, 's');
      out.broadcast = true;
      return;
    case 'gateway_id':
    case 'enable_qos3':
    case 'subs_resume':
    case 'mountpoint':
      out[name] = scalar(value);
      return;
    case 'idle_timeout':
      out.idle_timeout = durationOf(value, 's');
      return;
    case 'enable_stats':
      dropped.push({ key, reason: 'statistics are always counted; there is no switch' });
      return;
    case 'username':
    case 'password':
      out.clientinfo_override = { ...(out.clientinfo_override as object | undefined), [name]: value.replace(/^"(.*)"$/, '$1') };
      return;
    default:
      out[name] = scalar(value);
  }
}

function readLwm2m(key: string, name: string, value: string, out: Record<string, unknown>, dropped: { key: string; reason: string }[]): void {
  const bind = /^bind\.(udp|dtls)\.(\d+)$/.exec(name);
  if (bind !== null) {
    if (bind[1] === 'dtls') dropped.push({ key, reason: 'DTLS listeners are not carried over' });
    else setListener(out, bind[2] === '1' ? 'default' : `default_${bind[2]}`, 'bind', value);
    return;
  }
  const topic = /^topics\.(\w+)$/.exec(name);
  if (topic !== null) {
    const translators = (out.translators ??= {}) as Record<string, unknown>;
    translators[topic[1]] = { topic: value };
    return;
  }
  switch (name) {
    case 'port':
      setListener(out, 'default', 'bind', value);
      return;
    case 'lifetime_min':
    case 'lifetime_max':
    case 'qmode_time_window':
      out[name] = durationOf(value, 's');
      return;
    case 'mountpoint':
      // EMQX 4 placeholders: %e endpoint name, %c client id, %u username, %a peer address.
      out.mountpoint = value.replace(/%e/g, '${endpoint_name}').replace(/%c/g, '${clientid}').replace(/%u/g, '${username}').replace(/%a/g, '${peerhost}');
      return;
    case 'opts.recbuf':
    case 'opts.sndbuf':
      setListener(out, 'default', name.slice('opts.'.length), value, 'udp_options');
      return;
    case 'opts.buffer':
    case 'opts.read_packets':
      dropped.push({ key, reason: 'Erlang socket tuning with no Node.js equivalent' });
      return;
    case 'lb':
      dropped.push({ key, reason: 'no CoAP load-balancer integration' });
      return;
    default:
      if (/^(dtls\.|certfile|keyfile|cacertfile)/.test(name)) {
        dropped.push({ key, reason: 'DTLS listeners are not carried over' });
        return;
      }
      out[name] = scalar(value);
  }
}

function setListener(out: Record<string, unknown>, listener: string, key: string, value: string, group?: string): void {
  const listeners = (out.listeners ??= {}) as Record<string, Record<string, Record<string, unknown>>>;
  const udp = (listeners.udp ??= {});
  const entry = (udp[listener] ??= {});
  if (group === undefined) entry[key] = value;
  else entry[group] = { ...(entry[group] as object | undefined), [key]: value };
}

/** EMQX 4 durations: "15m", "30s", or a bare number in `unit`. */
function durationOf(value: string, unit: 's' | 'ms'): string {
  return /^\d+$/.test(value) ? `${value}${unit}` : value;
}
