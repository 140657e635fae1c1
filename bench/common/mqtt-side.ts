import { connectAsync, type MqttClient } from 'mqtt';

/**
 * The broker side of a run: an MQTT.js client on the gateway's broker that
 * counts what arrives or publishes what the gateway should deliver.
 */
export async function connectBroker(url: string, clientId: string, timeoutMs = 10_000): Promise<MqttClient> {
  return connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs, keepalive: 60 });
}

/** Counts messages on `filter`; `onMessage` (optional) sees each one. */
export class BrokerCounter {
  received = 0;
  /** performance.now() of the latest message. */
  lastAt = 0;
  readonly #client: MqttClient;

  private constructor(client: MqttClient) {
    this.#client = client;
  }

  static async start(
    url: string,
    clientId: string,
    filter: string | string[],
    qos: 0 | 1 | 2,
    onMessage?: (topic: string, payload: Buffer) => void,
  ): Promise<BrokerCounter> {
    const client = await connectBroker(url, clientId);
    const counter = new BrokerCounter(client);
    client.on('message', (topic, payload) => {
      counter.received++;
      counter.lastAt = performance.now();
      onMessage?.(topic, payload);
    });
    await client.subscribeAsync(filter, { qos });
    return counter;
  }

  get client(): MqttClient {
    return this.#client;
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true).catch(() => undefined);
  }
}
