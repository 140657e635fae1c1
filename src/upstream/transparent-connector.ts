import { connect, MqttClient, type IClientOptions } from 'mqtt';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BindAddress } from '../transport/bind.js';
import { describeServer, type MappedClientOptions, type SessionPolicy } from './client-options.js';
import { DeadlineSweep } from './deadline-sweep.js';
import type { EmbeddedBroker } from './embedded-broker.js';
import { FileStore } from './file-store.js';
import { FileStorePool } from './file-store-pool.js';
import { reviveReleasedOnNewSession } from './released-revival.js';
import { UpstreamHealth } from './link-health.js';
import type { UpstreamConnector, UpstreamSession, UpstreamSessionEvents, UpstreamSessionOptions } from './types.js';
import { newPublishRefusals, type PublishRefusals } from './mqtt-link.js';
import { MqttJsSession, type SessionContext } from './mqttjs-session.js';
import { StoredResend } from './stored-resend.js';

/** Where the sessions go: the in-process broker, or a broker on the network. */
export type UpstreamTarget =
  | { readonly kind: 'embedded'; readonly broker: EmbeddedBroker; readonly connectTimeoutMs: number; readonly policy: SessionPolicy }
  | { readonly kind: 'external'; readonly mapped: MappedClientOptions };

export interface TransparentConnectorOptions {
  readonly target: UpstreamTarget;
  readonly logger: Logger;
  /** Runs after every session ended (the embedded broker's close). */
  readonly onClosed?: () => Promise<void>;
}

/**
 * Transparent mode: one MQTT.js client, i.e. one broker session, per device.
 * Embedded: the client speaks MQTT over an in-process duplex pair
 * (`EmbeddedBroker.connect`), no TCP, no reconnect (the pipe cannot fail
 * without the broker going away). External: the mapped paho-style options,
 * reconnect with backoff, writeTimeout / pingTimeout / messageChannelDepth.
 */
export class TransparentConnector implements UpstreamConnector {
  readonly description: string;
  readonly publishRefusals: PublishRefusals = newPublishRefusals();
  readonly #target: UpstreamTarget;
  readonly #logger: Logger;
  readonly #onClosed: (() => Promise<void>) | undefined;
  readonly #sessions = new Set<MqttJsSession>();
  /** The newest open session per client id. */
  readonly #byClientId = new Map<string, MqttJsSession>();
  readonly #opening = new Set<Promise<unknown>>();
  /** Client ids of the sessions being opened, with how many. */
  readonly #openingIds = new Map<string, number>();
  readonly #writeDeadlines: DeadlineSweep | undefined;
  /** upstream.client.store File: one store pair per live client id. */
  readonly #stores: FileStorePool | undefined;
  /** upstream.client.store File, external broker: what a previous run left, sent at startup. */
  readonly #storedResend: StoredResend | undefined;
  readonly #context: SessionContext;
  /** External broker only: link state and outage log. */
  readonly health: UpstreamHealth | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: TransparentConnectorOptions) {
    this.#target = options.target;
    this.#logger = options.logger;
    this.#onClosed = options.onClosed;
    const target = options.target;
    this.description = target.kind === 'embedded' ? 'embedded' : describeServer(target.mapped.brokerUrl);
    const policy = target.kind === 'external' ? target.mapped.policy : target.policy;
    this.#writeDeadlines = policy.writeTimeoutMs > 0 ? new DeadlineSweep(policy.writeTimeoutMs) : undefined;
    this.#stores = policy.fileStoreDirectory === undefined ? undefined : new FileStorePool(policy.fileStoreDirectory);
    this.#storedResend =
      this.#stores === undefined || target.kind !== 'external'
        ? undefined
        : new StoredResend({ pool: this.#stores, mapped: target.mapped, logger: options.logger });
    this.health = target.kind === 'external' ? new UpstreamHealth(options.logger) : undefined;
    this.#context = {
      health: this.health,
      logger: options.logger,
      external: target.kind === 'external',
      policy,
      writeDeadlines: this.#writeDeadlines,
      refusals: this.publishRefusals,
      onFinished: (session) => {
        this.#stores?.release(session.clientId);
        this.#sessions.delete(session);
        if (this.#byClientId.get(session.clientId) === session) this.#byClientId.delete(session.clientId);
      },
    };
  }

  /** The embedded broker's TCP address (actual port when bound to 0); undefined for external or no listener. */
  get embeddedAddress(): BindAddress | undefined {
    return this.#target.kind === 'embedded' ? this.#target.broker.address : undefined;
  }

  /** Sessions currently open. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * `File` store: starts sending, in the background, the publishes a previous
   * run left unacknowledged for client ids whose last session was clean (see
   * StoredResend); the others are sent when their device connects again.
   */
  resendStoredPublishes(): void {
    this.#storedResend?.start((clientId) => this.#byClientId.has(clientId) || this.#openingIds.has(clientId));
  }

  async open(options: UpstreamSessionOptions, events: UpstreamSessionEvents): Promise<UpstreamSession> {
    if (this.#closing !== undefined) throw new GatewayError('GW_ERR_CLOSED', 'upstream connector closed');
    // Its own connect re-sends what is stored for this client id.
    this.#storedResend?.yieldTo(options.clientId);
    // The broker takes the older session with this client id over; it must not reconnect and take it back.
    const older = this.#byClientId.get(options.clientId);
    const undoSupersede = older?.supersede();
    const opening = this.#open(options, events);
    this.#opening.add(opening);
    this.#openingIds.set(options.clientId, (this.#openingIds.get(options.clientId) ?? 0) + 1);
    try {
      const session = await opening;
      if (this.#closing !== undefined) {
        await session.end();
        throw new GatewayError('GW_ERR_CLOSED', 'upstream connector closed');
      }
      this.#sessions.add(session);
      this.#byClientId.set(options.clientId, session);
      return session;
    } catch (error) {
      undoSupersede?.();
      throw error;
    } finally {
      this.#opening.delete(opening);
      const count = (this.#openingIds.get(options.clientId) ?? 1) - 1;
      if (count > 0) this.#openingIds.set(options.clientId, count);
      else this.#openingIds.delete(options.clientId);
    }
  }

  async #open(options: UpstreamSessionOptions, events: UpstreamSessionEvents): Promise<MqttJsSession> {
    let client: MqttClient;
    try {
      client = await this.#createClient(options);
    } catch (error) {
      this.#stores?.release(options.clientId);
      if (error instanceof GatewayError) throw error;
      throw new GatewayError('GW_ERR_UPSTREAM', `upstream: cannot create a client for ${options.clientId}: ${String(error)}`, {
        cause: error,
      });
    }
    // From here the session releases its stores when it finishes (also when the connect fails).
    return MqttJsSession.open(client, events, this.#context);
  }

  async #createClient(session: UpstreamSessionOptions): Promise<MqttClient> {
    const target = this.#target;
    const perSession: IClientOptions = {
      clientId: session.clientId,
      clean: session.cleanSession,
      manualConnect: true,
    };
    // The device's credentials replace the configured basicAuth (MQTT 3.1.1 §3.1.2.9: no password without a username).
    if (session.username !== undefined) {
      perSession.username = session.username;
      perSession.password = session.password;
    }
    if (session.will !== undefined) {
      perSession.will = {
        topic: session.will.topic,
        payload: session.will.payload,
        qos: session.will.qos,
        retain: session.will.retain,
      };
    }
    if (target.kind === 'embedded') {
      const broker = target.broker;
      return new MqttClient(() => broker.connect(), {
        protocolId: 'MQTT',
        protocolVersion: 4,
        // In-process pipe: nothing to supervise, and no timer per session (the gateway supervises devices).
        keepalive: 0,
        reconnectPeriod: 0,
        resubscribe: false,
        connectTimeout: target.connectTimeoutMs,
        ...perSession,
      });
    }
    const { mapped } = target;
    const options: IClientOptions = { ...mapped.options, ...perSession };
    // The configured keepAlive supervises the link; 0 there falls back to the session's own.
    if (!options.keepalive) options.keepalive = session.keepAliveSeconds;
    if (mapped.options.wsOptions !== undefined) options.wsOptions = { ...mapped.options.wsOptions };
    let outgoing: FileStore;
    if (this.#stores !== undefined) {
      const stores = await this.#stores.acquire(session.clientId, session.cleanSession);
      outgoing = stores.outgoing;
      options.incomingStore = stores.incoming;
    } else {
      outgoing = FileStore.inMemory();
    }
    options.outgoingStore = outgoing;
    const client = connect(mapped.brokerUrl, options);
    reviveReleasedOnNewSession(client, outgoing);
    return client;
  }

  /** Ends every session (DISCONNECT; owners get onClose with GW_ERR_CLOSED), then the broker. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#storedResend?.stop();
    await Promise.allSettled([...this.#opening]);
    await Promise.allSettled([...this.#sessions].map((session) => session.closeByConnector()));
    this.#sessions.clear();
    this.#byClientId.clear();
    this.#writeDeadlines?.clear();
    await this.#stores?.settled();
    await this.#onClosed?.();
    this.#logger.info({ upstream: this.description }, 'upstream connector closed');
  }
}
