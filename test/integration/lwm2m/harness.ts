import { connectAsync, type MqttClient } from 'mqtt';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { Lwm2mConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { Lwm2mGateway, type Lwm2mGatewayOptions } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../../src/lwm2m/model/xml-loader.js';
import { Lwm2mTestDevice } from '../../helpers/lwm2m-device.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';

/** Collects MQTT messages per topic; `next` waits for the next one on a topic. */
export class MqttWatcher {
  readonly client: MqttClient;
  readonly #queues = new Map<string, Buffer[]>();
  readonly #waiters = new Map<string, ((b: Buffer) => void)[]>();

  constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload) => {
      const w = this.#waiters.get(topic)?.shift();
      if (w !== undefined) w(payload);
      else this.#queues.set(topic, [...(this.#queues.get(topic) ?? []), payload]);
    });
  }

  async watch(topic: string): Promise<void> {
    await this.client.subscribeAsync(topic, { qos: 1 });
  }

  async next(topic: string, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const queued = this.#queues.get(topic)?.shift();
    if (queued !== undefined) return JSON.parse(queued.toString()) as Record<string, unknown>;
    const payload = await new Promise<Buffer>((resolve, reject) => {
      const list = this.#waiters.get(topic) ?? [];
      const waiter = (b: Buffer): void => {
        clearTimeout(timer);
        resolve(b);
      };
      const timer = setTimeout(() => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(new Error(`no message on ${topic}`));
      }, timeoutMs);
      list.push(waiter);
      this.#waiters.set(topic, list);
    });
    return JSON.parse(payload.toString()) as Record<string, unknown>;
  }

  /** Asserts nothing arrives on the topic for `ms`. */
  async none(topic: string, ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const extra = this.#queues.get(topic)?.shift();
    if (extra !== undefined) throw new Error(`unexpected message on ${topic}: ${extra.toString()}`);
  }

  async send(topic: string, command: unknown): Promise<void> {
    await this.client.publishAsync(topic, typeof command === 'string' ? command : JSON.stringify(command), { qos: 1 });
  }
}

export interface Harness {
  readonly gateway: Lwm2mGateway;
  readonly upstream: TestUpstream;
  readonly mqtt: MqttWatcher;
  readonly config: Lwm2mConfig;
  readonly server: { host: string; port: number };
  device(): Promise<Lwm2mTestDevice>;
  close(): Promise<void>;
}

let counter = 0;
/** A unique endpoint name per test (tests also run against a shared mosquitto). */
export function uniqueEp(prefix = 'dev'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export async function startHarness(
  lwm2m: Record<string, unknown> = {},
  translators?: Lwm2mConfig['translators'],
  options: Pick<Lwm2mGatewayOptions, 'reconnect'> = {},
): Promise<Harness> {
  const upstream = await startTestUpstream();
  const resolved = resolveConfig({ lwm2m: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, ...lwm2m } }).lwm2m;
  // Translators given directly: the config validator may reject EMQX's wildcard command topic (`dn/#`).
  const config: Lwm2mConfig = translators === undefined ? resolved : { ...resolved, translators };
  const { models } = await loadModelDirectory(SHIPPED_XML_DIR);
  const gateway = await Lwm2mGateway.start({ config, upstream: upstream.connector, models: createModelRegistry(models), logger: silentLogger(), ...options });
  const client = await connectAsync(upstream.url, { clientId: `watcher-${process.pid}-${Date.now()}-${counter++}` });
  const address = gateway.addresses[0] ?? { host: '127.0.0.1', port: 0 };
  const server = { host: '127.0.0.1', port: address.port };
  const devices: Lwm2mTestDevice[] = [];
  return {
    gateway,
    upstream,
    mqtt: new MqttWatcher(client),
    config,
    server,
    async device() {
      const d = await Lwm2mTestDevice.open(server);
      devices.push(d);
      return d;
    },
    async close() {
      await Promise.all(devices.map((d) => d.close()));
      await client.endAsync();
      await gateway.close();
      await upstream.close();
    },
  };
}
