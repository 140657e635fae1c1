import type { MqttClient } from 'mqtt';

/** First reconnect delay; doubled after every failed attempt (paho `maxReconnectInterval` semantics). */
export const FIRST_RECONNECT_DELAY_MS = 1000;

/** 1 s, 2 s, 4 s, ... capped at `maxMs`. A cap of 0 means "immediately" (1 ms: MQTT.js treats 0 as off). */
export class ReconnectBackoff {
  readonly #maxMs: number;
  #next = FIRST_RECONNECT_DELAY_MS;

  constructor(maxMs: number) {
    this.#maxMs = Math.max(1, maxMs);
  }

  /** The delay before the next attempt; advances the sequence. */
  next(): number {
    const delay = Math.min(this.#next, this.#maxMs);
    this.#next = Math.min(this.#next * 2, this.#maxMs);
    return delay;
  }

  reset(): void {
    this.#next = FIRST_RECONNECT_DELAY_MS;
  }
}

/**
 * Drives an MQTT.js client's reconnect period with the backoff. MQTT.js arms
 * its reconnect timer from `options.reconnectPeriod` in its own `close`
 * listener, so the period is set in a listener placed before it; a successful
 * CONNACK resets the sequence. `onScheduled` reports each delay (for logs).
 */
export function attachReconnectBackoff(client: MqttClient, maxMs: number, onScheduled?: (delayMs: number) => void): ReconnectBackoff {
  const backoff = new ReconnectBackoff(maxMs);
  client.prependListener('close', () => {
    if (client.disconnecting) return;
    const delay = backoff.next();
    client.options.reconnectPeriod = delay;
    onScheduled?.(delay);
  });
  client.on('connect', () => backoff.reset());
  return backoff;
}
