import { Aedes } from 'aedes';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseBind, type BindAddress } from '../transport/bind.js';
import { createDuplexPair } from './duplex-pair.js';

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
    const aedes = await Aedes.createBroker();
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
    options.logger.info(
      address === undefined ? { tcp: false } : { tcp: `${address.host}:${address.port}` },
      'embedded MQTT broker started',
    );
    return broker;
  }

  /** The bound TCP address (actual port when bound to 0), or undefined without a listener. */
  get address(): BindAddress | undefined {
    const info = this.#server?.address();
    if (info === undefined || info === null || typeof info === 'string') return undefined;
    return { host: info.address, port: info.port };
  }

  /** The aedes instance (for tests and the aggregating mode). */
  get aedes(): Aedes {
    return this.#aedes;
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
