import { Aedes } from 'aedes';
import { createServer, type Server, type Socket } from 'node:net';
import { coalesceWrites } from './coalesced-writes.js';
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { Qos } from '../config/types.js';
import type { Logger } from '../log.js';
import { startsWithWildcard } from '../topics/topic-filter-trie.js';
import { parseBind, type BindAddress } from '../transport/bind.js';
import { createDuplexPair } from './duplex-pair.js';
import type { UpstreamMessage } from './types.js';

/** aedes's subscription callback shape (mqemitter listener). */
type DeliverFunc = (packet: BrokerPacket, callback: () => void) => void;

interface BrokerPacket {
  readonly topic: string;
  readonly payload: unknown;
  readonly qos: number;
  readonly retain?: boolean;
}

/** The part of aedes-persistence read here (retained messages). */
interface RetainedStore {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
}

/** mqemitter's multi-level wildcard: a listener on it sees every message. */
const EVERYTHING = '#';

export interface EmbeddedBrokerOptions {
  /** TCP listener `host:port` (port 0 = any free port); `""` = no TCP listener. */
  readonly bind: string;
  readonly logger: Logger;
}

/**
 * The in-process aedes broker. Gateway sessions reach it through an in-memory
 * duplex pair ({@link connect}); MQTT clients outside the process reach it
 * through the optional TCP listener.
 */
export class EmbeddedBroker {
  readonly #aedes: Aedes;
  readonly #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  private constructor(aedes: Aedes, server: Server | undefined, logger: Logger) {
    this.#aedes = aedes;
    this.#server = server;
    this.#logger = logger;
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const bindText = options.bind.trim();
    const bind = bindText === '' ? undefined : parseBind(bindText);
    if (bindText !== '' && bind === undefined) {
      throw new GatewayError('GW_ERR_CONFIG', `upstream.embedded.bind: not a bind address: ${JSON.stringify(options.bind)}`);
    }
    // concurrency 0: aedes hands every publish to its emitter at once. With its default (100),
    // publishes beyond 100 in delivery wait in an array that is emptied with shift(), which
    // costs O(length) per message: a QoS 0 burst of 100,000 datagrams spent 72 % of the
    // gateway's CPU there (12,000 msg/s delivered). The backlog is the same either way; it
    // now waits as delivery callbacks instead.
    const aedes = await Aedes.createBroker({ concurrency: 0 });
    // A misbehaving client must never take the process down.
    aedes.on('clientError', (client, error) => {
      options.logger.debug({ clientId: client.id, err: error.message }, 'embedded broker: client error');
    });
    aedes.on('connectionError', (client, error) => {
      options.logger.debug({ clientId: client.id, err: error.message }, 'embedded broker: connection error');
    });
    let server: Server | undefined;
    if (bind !== undefined) {
      try {
        server = await listen(bind);
      } catch (error) {
        await closeAedes(aedes);
        throw new GatewayError('GW_ERR_UPSTREAM', `embedded broker: cannot listen on ${bindText}: ${errorText(error)}`, {
          cause: error,
        });
      }
    }
    const broker = new EmbeddedBroker(aedes, server, options.logger);
    server?.on('connection', (socket) => broker.#accept(socket));
    const address = broker.address;
    options.logger.info(address === undefined ? { tcp: false } : { tcp: `${address.host}:${address.port}` }, 'embedded MQTT broker started');
    return broker;
  }

  /** The bound TCP address (actual port when bound to 0), or undefined without a listener. */
  get address(): BindAddress | undefined {
    const info = this.#server?.address();
    if (info === undefined || info === null || typeof info === 'string') return undefined;
    return { host: info.address, port: info.port };
  }

  /** The aedes instance, for tests (authentication hooks, client lists). The gateway uses the methods below. */
  get aedes(): Aedes {
    return this.#aedes;
  }

  get closed(): boolean {
    return this.#aedes.closed;
  }

  /**
   * Hands every message published on the broker to `onMessage` (RETAIN 0:
   * MQTT 3.1.1 §3.3.1.3, these are live messages). Resolves with the function
   * that stops it.
   */
  async listenToAll(onMessage: (message: UpstreamMessage) => void): Promise<() => Promise<void>> {
    const aedes = this.#aedes;
    const listener: DeliverFunc = (packet, callback) => {
      onMessage({ topic: packet.topic, payload: payloadOf(packet.payload), qos: qosOf(packet.qos), retain: false });
      callback();
    };
    await new Promise<void>((resolve) => aedes.subscribe(EVERYTHING, listener, () => resolve()));
    return () => (aedes.closed ? Promise.resolve() : new Promise<void>((resolve) => aedes.unsubscribe(EVERYTHING, listener, () => resolve())));
  }

  /**
   * Publishes in-process. Resolves after the retained store, the offline
   * queues of persistent broker sessions and every subscriber took the
   * message: "accepted" for QoS 1 and 2.
   */
  publish(message: UpstreamMessage): Promise<void> {
    if (this.#aedes.closed) return Promise.reject(new GatewayError('GW_ERR_CLOSED', 'embedded broker closed'));
    return new Promise((resolve, reject) => {
      this.#aedes.publish(
        { cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false },
        (error?: Error) => {
          if (error === undefined || error === null) resolve();
          else reject(new GatewayError('GW_ERR_UPSTREAM', `upstream: publish failed: ${error.message}`, { cause: error }));
        },
      );
    });
  }

  /** The retained messages matching `filter`, from the broker's store (RETAIN 1). */
  async *readRetained(filter: string): AsyncIterable<UpstreamMessage> {
    const store = retainedStoreOf(this.#aedes);
    if (store === undefined) return;
    const blockDollar = startsWithWildcard(filter);
    for await (const item of store.createRetainedStreamCombi([filter])) {
      if (!isBrokerPacket(item)) continue;
      if (blockDollar && item.topic.charCodeAt(0) === 0x24) continue; // MQTT 3.1.1 §4.7.2
      yield { topic: item.topic, payload: payloadOf(item.payload), qos: qosOf(item.qos), retain: true };
    }
  }

  /** A new in-process MQTT connection to the broker; the caller speaks MQTT on the returned stream. */
  connect(): Duplex {
    const { client, server } = createDuplexPair();
    if (this.#closing !== undefined) {
      server.destroy();
      return client;
    }
    this.#aedes.handle(server);
    return client;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    coalesceWrites(socket);
    this.#aedes.handle(socket);
  }

  /** Stops the TCP listener, then closes the broker (its clients are disconnected). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    if (server !== undefined) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await closeAedes(this.#aedes);
      for (const socket of this.#sockets) socket.destroy();
      await stopped;
    } else {
      await closeAedes(this.#aedes);
    }
    this.#logger.info('embedded MQTT broker stopped');
  }
}

function listen(bind: BindAddress): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host: bind.host, port: bind.port }, () => {
      server.removeListener('error', onError);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function retainedStoreOf(aedes: Aedes): RetainedStore | undefined {
  const persistence: unknown = (aedes as unknown as { persistence?: unknown }).persistence;
  if (typeof persistence !== 'object' || persistence === null) return undefined;
  const create: unknown = (persistence as { createRetainedStreamCombi?: unknown }).createRetainedStreamCombi;
  if (typeof create !== 'function') return undefined;
  return {
    createRetainedStreamCombi: (patterns) => create.call(persistence, patterns) as AsyncIterable<unknown>,
  };
}

function isBrokerPacket(value: unknown): value is BrokerPacket {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { topic?: unknown }).topic === 'string' &&
    typeof (value as { qos?: unknown }).qos === 'number'
  );
}

function payloadOf(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload);
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.alloc(0);
}

function qosOf(qos: number): Qos {
  return qos >= 2 ? 2 : qos === 1 ? 1 : 0;
}
