import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { MappedClientOptions } from './client-options.js';
import type { FileStorePool, StoredSession } from './file-store-pool.js';
import { reviveReleasedOnNewSession } from './released-revival.js';

/** Client ids re-sent at the same time (one broker connection each). */
const CONCURRENCY = 8;
/** How long one client id's re-send may take when writeTimeout is 0 (never). */
const DEFAULT_BOUND_MS = 30_000;

interface Resend {
  /** Set when a session of this client id opens: its own connect re-sends the store. */
  yielded: boolean;
  client: MqttClient | undefined;
}

export interface StoredResendOptions {
  readonly pool: FileStorePool;
  readonly mapped: MappedClientOptions;
  readonly logger: Logger;
}

/**
 * At startup, sends what a previous run left in the `File` store, without
 * waiting for the devices to come back (a device may never do): for each
 * client id whose last session was a clean one, one MQTT connection with that
 * client id and clean session on, which MQTT.js uses to re-send the stored
 * packets (MQTT 3.1.1 §4.4), closed once the broker acknowledged them all.
 *
 * Client ids whose last session was persistent (clean session off) wait for
 * their device: connecting in their name would either discard the broker
 * session (clean) or take the messages queued for the device (resumed). A
 * device that connects while its client id is being re-sent takes over: this
 * connection closes and the device's session re-sends what is left.
 */
export class StoredResend {
  readonly #options: StoredResendOptions;
  readonly #running = new Map<string, Resend>();
  #stopped = false;
  #run: Promise<void> | undefined;

  constructor(options: StoredResendOptions) {
    this.#options = options;
  }

  /** Starts the re-send in the background (once); `isActive` says whether a session of that client id is open already. */
  start(isActive: (clientId: string) => boolean): void {
    this.#run ??= this.#resendAll(isActive).catch((error: unknown) => {
      this.#options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'File store: re-send at startup failed');
    });
  }

  /** A session of `clientId` is being opened: its connect re-sends the store, so ours stops. */
  yieldTo(clientId: string): void {
    const resend = this.#running.get(clientId);
    if (resend === undefined) return;
    resend.yielded = true;
    resend.client?.end(true);
  }

  /** Stops every re-send in progress (what is left stays stored) and waits for them. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const clientId of [...this.#running.keys()]) this.yieldTo(clientId);
    await this.#run;
  }

  async #resendAll(isActive: (clientId: string) => boolean): Promise<void> {
    const { pool, logger } = this.#options;
    const stored = await pool.storedSessions();
    if (stored.length === 0) return;
    const clean = stored.filter((session) => session.cleanSession === true);
    const waiting = stored.filter((session) => session.cleanSession !== true);
    logger.info(
      {
        clientIds: clean.length,
        publishes: clean.reduce((sum, session) => sum + session.outgoing, 0),
        persistentWaitingForDevice: waiting.length,
      },
      'File store: re-sending what the previous run left unacknowledged',
    );
    let done = 0;
    let left = 0;
    const queue = [...clean];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined && !this.#stopped; next = queue.shift()) {
        if (isActive(next.clientId)) continue; // its device is back: its session re-sends
        if (await this.#resendOne(next)) done += 1;
        else left += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    logger.info({ clientIds: done, notFinished: left }, 'File store: re-send at startup finished');
  }

  /** True once the broker acknowledged everything stored for this client id. */
  async #resendOne(session: StoredSession): Promise<boolean> {
    const { pool, mapped, logger } = this.#options;
    const { clientId } = session;
    const resend: Resend = { yielded: false, client: undefined };
    this.#running.set(clientId, resend);
    const opened = pool.acquire(clientId, true);
    try {
      const stores = await opened;
      if (resend.yielded || this.#stopped) return false;
      const options: IClientOptions = {
        ...mapped.options,
        clientId,
        clean: true,
        reconnectPeriod: 0,
        keepalive: mapped.options.keepalive ? mapped.options.keepalive : 60,
        outgoingStore: stores.outgoing,
        incomingStore: stores.incoming,
      };
      if (mapped.options.wsOptions !== undefined) options.wsOptions = { ...mapped.options.wsOptions };
      const client = connect(mapped.brokerUrl, options);
      reviveReleasedOnNewSession(client, stores.outgoing);
      resend.client = client;
      let lastError: Error | undefined;
      client.on('error', (error) => (lastError = error));
      // Bounded: a broker that does not acknowledge leaves the rest for the device's next connect.
      const boundMs = mapped.policy.writeTimeoutMs > 0 ? mapped.policy.writeTimeoutMs : DEFAULT_BOUND_MS;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await new Promise<'acknowledged' | 'closed' | 'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), boundMs);
        client.once('close', () => resolve('closed'));
        // MQTT.js emits connect once the broker acknowledged the stored packets (it sends them one at a time).
        client.once('connect', () => void stores.outgoing.whenEmpty().then(() => resolve('acknowledged')));
      });
      clearTimeout(timer);
      if (outcome === 'acknowledged') await new Promise<void>((resolve) => client.end(false, () => resolve()));
      else client.end(true);
      if (outcome !== 'acknowledged' && !resend.yielded) {
        logger.warn({ clientId, outcome, err: lastError?.message, left: stores.outgoing.size }, 'File store: re-send not finished; kept for the next connect');
      } else {
        logger.debug({ clientId, outcome }, 'File store: re-sent');
      }
      return outcome === 'acknowledged';
    } catch (error) {
      logger.warn({ clientId, err: error instanceof Error ? error.message : String(error) }, 'File store: cannot re-send');
      return false;
    } finally {
      if (this.#running.get(clientId) === resend) this.#running.delete(clientId);
      pool.release(clientId);
    }
  }
}
