/**
 * Protocol timing and tolerances that are not user configuration.
 * Configurable values (T_RETRY, N_RETRY, keepalive multiplier, idle timeout,
 * session expiry, T_ADV) live in `MqttSnConfig`; these are the spec rules
 * applied on top of them.
 */

/**
 * MQTT-SN v1.2 §6.14 and §7.2: the gateway supervises a sleeping client with
 * the sleep duration plus a tolerance: 10 % for periods over a minute,
 * 50 % for shorter ones.
 */
export const SLEEP_TOLERANCE_LONG = 1.1;
export const SLEEP_TOLERANCE_SHORT = 1.5;
export const SLEEP_TOLERANCE_THRESHOLD_MS = 60_000;

/** Supervision window for a sleep of `sleepMs` (§6.14). */
export function sleepSupervisionMs(sleepMs: number): number {
  return Math.ceil(sleepMs * (sleepMs > SLEEP_TOLERANCE_THRESHOLD_MS ? SLEEP_TOLERANCE_LONG : SLEEP_TOLERANCE_SHORT));
}

/** Keepalive supervision (§6.10): keepalive x multiplier; 0 = not supervised. */
export function keepaliveSupervisionMs(keepAliveMs: number, multiplier: number): number {
  return keepAliveMs > 0 ? Math.ceil(keepAliveMs * multiplier) : 0;
}

/** §5.3.11: topic ids 0x0000 and 0xFFFF are reserved. */
export const TOPIC_ID_MAX = 0xfffe;
/** Predefined ids 1..1024 (as in EMQX); ids the gateway assigns start above them. */
export const PREDEFINED_ID_MAX = 1024;
export const DYNAMIC_TOPIC_ID_FIRST = PREDEFINED_ID_MAX + 1;

/**
 * Total bytes of topic names one session may hold in its registry. Ids are
 * never reused within a session, so without a budget a client (or a wildcard
 * subscription on a busy broker) could make one session hold 64,510 names of
 * up to 64 KiB each. Beyond it REGISTER gets 0x01 and such downlinks are dropped.
 */
export const MAX_TOPIC_NAME_BYTES = 1024 * 1024;

/** §5.3.x MsgId: 16 bit, 0 is used only for QoS 0 / -1. */
export const MSG_ID_MAX = 0xffff;

/** Uplink QoS 2 messages awaiting PUBREL per client before PUBACK 0x01 congestion (EMQX max_awaiting_rel). */
export const MAX_AWAITING_REL = 100;

/** Packets queued for one session while an earlier one awaits the broker; beyond this the gateway reports congestion. */
export const MAX_SESSION_QUEUE = 256;

/** Timer wheel resolution bounds, ms (the resolution is derived from the configured timers). */
export const WHEEL_RESOLUTION_MIN_MS = 10;
export const WHEEL_RESOLUTION_MAX_MS = 1000;

/** Chooses the timer-wheel resolution: a quarter of the shortest configured timer, within bounds. */
export function wheelResolutionMs(shortestTimerMs: number): number {
  const quarter = Math.floor(shortestTimerMs / 4);
  return Math.min(WHEEL_RESOLUTION_MAX_MS, Math.max(WHEEL_RESOLUTION_MIN_MS, quarter));
}

/** Client id used upstream for the shared QoS -1 session (before clientinfo_override). */
export function qosMinusOneClientId(gatewayId: number): string {
  return `mqttsn-qos-1-${gatewayId}`;
}
