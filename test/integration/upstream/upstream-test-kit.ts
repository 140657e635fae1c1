import { connectAsync, type MqttClient } from 'mqtt';
import { createServer } from 'node:net';
import type { Qos } from '../../../src/config/types.js';
import type { UpstreamConnector, UpstreamMessage, UpstreamSession, UpstreamSessionOptions } from '../../../src/upstream/types.js';

/** Collects the messages of one session; `next()` waits for the next one. */
export class MessageInbox {
  readonly messages: UpstreamMessage[] = [];
  readonly closes: (Error | undefined)[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  readonly events = {
    onMessage: (message: UpstreamMessage): void => {
      this.messages.push(message);
      this.#wake();
    },
    onClose: (reason: Error | undefined): void => {
      this.closes.push(reason);
      this.#wake();
    },
  };

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.messages.length >= w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Resolves once `count` messages in total arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 3000): Promise<UpstreamMessage[]> {
    if (this.messages.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} messages (got ${this.messages.length})`)), timeoutMs);
        this.#waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.messages.slice(0, count);
  }
}

let counter = 0;
/** A client id unique within the run (external brokers are shared between test files). */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

export function sessionOptions(clientId: string, extra: Partial<UpstreamSessionOptions> = {}): UpstreamSessionOptions {
  return { clientId, cleanSession: true, keepAliveSeconds: 60, ...extra };
}

export async function openWithInbox(connector: UpstreamConnector, options: UpstreamSessionOptions): Promise<{ session: UpstreamSession; inbox: MessageInbox }> {
  const inbox = new MessageInbox();
  const session = await connector.open(options, inbox.events);
  return { session, inbox };
}

export function message(topic: string, text: string, qos: Qos = 0, retain = false): UpstreamMessage {
  return { topic, payload: Buffer.from(text), qos, retain };
}

/** An MQTT.js watcher on the broker side; `received` fills as messages arrive. */
export async function startWatcher(
  url: string,
  topics: string[],
): Promise<{ client: MqttClient; received: { topic: string; payload: string; retain: boolean }[]; waitFor(n: number): Promise<void> }> {
  const client = await connectAsync(url, { clientId: uniqueId('watcher'), reconnectPeriod: 0 });
  const received: { topic: string; payload: string; retain: boolean }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: payload.toString(), retain: packet.retain });
    for (const w of waiters.splice(0)) {
      if (received.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    received,
    waitFor: (n) =>
      received.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`watcher: timed out waiting for ${n} messages`)), 3000);
            waiters.push({
              n,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
  };
}

/** A TCP port that was free a moment ago (bind 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until true or the timeout passes. */
export async function eventually(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}
