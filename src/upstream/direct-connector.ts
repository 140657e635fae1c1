import type { Aedes } from 'aedes';
import type { Qos } from '../config/types.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BindAddress } from '../transport/bind.js';
import type { EmbeddedBroker } from './embedded-broker.js';
import { FanOutConnector, type FanOutBackend, type FanOutSink } from './fan-out-connector.js';
import { startsWithWildcard, TopicFilterTrie } from './topic-filter-trie.js';
import type { SubscribeResult, UpstreamMessage } from './types.js';

/** aedes's subscription callback shape (mqemitter listener). */
type DeliverFunc = (packet: BrokerPacket, callback: () => void) => void;

interface BrokerPacket {
  readonly topic: string;
  readonly payload: unknown;
  readonly qos: number;
  readonly retain?: boolean;
}

/** The part of aedes-persistence the direct path reads (retained messages). */
interface RetainedStore {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
}

export interface DirectConnectorOptions {
  readonly broker: EmbeddedBroker;
  readonly logger: Logger;
  readonly parkedQueueLimit?: number | undefined;
  readonly parkedSessionExpiryMs?: number | undefined;
  /** Closes the embedded broker after the sessions (the connector owns it). Default true. */
  readonly closeBroker?: boolean;
}

/**
 * Aggregating mode against the embedded broker: no MQTT connection per
 * session at all. Publishes go through `aedes.publish` (resolving once the
 * broker stored retained / offline copies and every subscriber took it),
 * one broker listener feeds a trie of the sessions' distinct filters whose
 * matches are fanned out to the sessions behind them, and retained messages
 * are read from the broker's persistence on subscribe.
 */
export class DirectConnector extends FanOutConnector {
  readonly #broker: EmbeddedBroker;

  constructor(options: DirectConnectorOptions) {
    const broker = options.broker;
    super({
      description: 'embedded (direct)',
      logger: options.logger,
      parkedQueueLimit: options.parkedQueueLimit,
      parkedSessionExpiryMs: options.parkedSessionExpiryMs,
      resubscribeForRetained: false,
      routes: 1,
      backend: (sink) => new DirectBackend(broker, sink, options.closeBroker ?? true),
    });
    this.#broker = broker;
  }

  /** The embedded broker's TCP address (actual port when bound to 0). */
  get embeddedAddress(): BindAddress | undefined {
    return this.#broker.address;
  }
}

/** mqemitter's multi-level wildcard: the one broker listener sees every message (our trie applies §4.7.2). */
const EVERYTHING = '#';

class DirectBackend implements FanOutBackend {
  readonly #broker: EmbeddedBroker;
  readonly #aedes: Aedes;
  readonly #closeBroker: boolean;
  /**
   * The distinct filters of all sessions. One broker listener plus this trie
   * costs less per filter than one aedes subscription per filter (measured:
   * bench/upstream-memory.ts, docs/upstream-modes.md) and matches each
   * message once for all filters.
   */
  readonly #trie = new TopicFilterTrie();
  readonly #listener: DeliverFunc;
  #listening: Promise<void> | undefined;

  constructor(broker: EmbeddedBroker, sink: FanOutSink, closeBroker: boolean) {
    this.#broker = broker;
    this.#aedes = broker.aedes;
    this.#closeBroker = closeBroker;
    const trie = this.#trie;
    this.#listener = (packet, callback) => {
      const filters = trie.match(packet.topic);
      // MQTT 3.1.1 §3.3.1.3: RETAIN is 0 on messages for an established subscription.
      if (filters.length > 0) {
        sink.deliver(filters, { topic: packet.topic, payload: payloadOf(packet.payload), qos: qosOf(packet.qos), retain: false });
      }
      callback();
    };
  }

  async subscribeFilter(filter: string, _qos: Qos, _first: boolean, _onAck: () => void): Promise<SubscribeResult> {
    if (this.#aedes.closed) return 0x80;
    this.#listening ??= new Promise((resolve) => this.#aedes.subscribe(EVERYTHING, this.#listener, () => resolve()));
    await this.#listening;
    this.#trie.add(filter);
    return 2; // in-process: every QoS is available
  }

  unsubscribeFilter(filter: string): Promise<void> {
    this.#trie.delete(filter);
    return Promise.resolve();
  }

  publish(message: UpstreamMessage): Promise<void> {
    if (this.#aedes.closed) return Promise.reject(new GatewayError('GW_ERR_CLOSED', 'embedded broker closed'));
    return new Promise((resolve, reject) => {
      // The callback runs after the retained store, the offline queues of persistent
      // broker sessions and every subscriber took the message: "accepted" for QoS 1 and 2.
      this.#aedes.publish(
        { cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false },
        (error?: Error) => {
          if (error === undefined || error === null) resolve();
          else reject(new GatewayError('GW_ERR_UPSTREAM', `upstream: publish failed: ${error.message}`, { cause: error }));
        },
      );
    });
  }

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

  async close(): Promise<void> {
    if (this.#listening !== undefined && !this.#aedes.closed) {
      await this.#listening;
      await new Promise<void>((resolve) => this.#aedes.unsubscribe(EVERYTHING, this.#listener, () => resolve()));
    }
    this.#listening = undefined;
    if (this.#closeBroker) await this.#broker.close();
  }
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
