import type { PredefinedTopic } from '../config/types.js';
import { DYNAMIC_TOPIC_ID_FIRST, MAX_TOPIC_NAME_BYTES, TOPIC_ID_MAX } from './parameters.js';

/**
 * Predefined topics (MQTT-SN v1.2 §2.5 / §6.7): ids 1..1024 from config, the
 * same for every client and known on both sides in advance.
 */
export class PredefinedTopics {
  readonly #byId = new Map<number, string>();
  readonly #byName = new Map<string, number>();

  constructor(topics: readonly PredefinedTopic[]) {
    for (const { id, topic } of topics) {
      this.#byId.set(id, topic);
      if (!this.#byName.has(topic)) this.#byName.set(topic, id);
    }
  }

  nameOf(id: number): string | undefined {
    return this.#byId.get(id);
  }

  idOf(name: string): number | undefined {
    return this.#byName.get(name);
  }

  /** Every predefined topic, by id ascending. */
  list(): { id: number; topic: string }[] {
    return [...this.#byId.entries()].sort((a, b) => a[0] - b[0]).map(([id, topic]) => ({ id, topic }));
  }

  /** Adds or replaces topic `id` at run time (ids 1..1024; the caller validates). */
  set(id: number, topic: string): void {
    this.delete(id);
    this.#byId.set(id, topic);
    if (!this.#byName.has(topic)) this.#byName.set(topic, id);
  }

  /** Removes topic `id`; false when it was not defined. */
  delete(id: number): boolean {
    const topic = this.#byId.get(id);
    if (topic === undefined) return false;
    this.#byId.delete(id);
    if (this.#byName.get(topic) === id) {
      this.#byName.delete(topic);
      for (const [other, name] of this.#byId) {
        if (name === topic) {
          this.#byName.set(topic, other);
          break;
        }
      }
    }
    return true;
  }
}

/**
 * Normal topic ids of one session (MQTT-SN v1.2 §6.5 REGISTER). Ids start at
 * 1025 (1..1024 are predefined, as in EMQX) and stay stable per name for the
 * life of the session. Each id records whether the client knows it: ids the
 * client REGISTERed or got in a SUBACK are known; ids the gateway assigns for
 * a downlink become known on REGACK, and are forgotten again when the client
 * answers PUBACK 0x02 (it lost its table).
 */
export class TopicRegistry {
  readonly #byName = new Map<string, number>();
  readonly #byId = new Map<number, string>();
  /** Ids the client does not (yet) know. Usually empty. */
  readonly #unknown = new Set<number>();
  #next = DYNAMIC_TOPIC_ID_FIRST;
  /** Bytes of names held, against `budget` (memory per client stays bounded). */
  #bytes = 0;
  readonly budget: number;

  constructor(budget: number = MAX_TOPIC_NAME_BYTES) {
    this.budget = budget;
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * The id for `name`, assigning one if needed. `known`: the client learns
   * the id from this exchange (REGACK / SUBACK). Undefined when the id space or
   * the byte budget for names is exhausted.
   */
  register(name: string, known: boolean): number | undefined {
    const existing = this.#byName.get(name);
    if (existing !== undefined) {
      if (known) this.#unknown.delete(existing);
      return existing;
    }
    if (this.#next > TOPIC_ID_MAX) return undefined;
    const bytes = Buffer.byteLength(name);
    if (this.#bytes + bytes > this.budget) return undefined;
    this.#bytes += bytes;
    const id = this.#next;
    this.#next += 1;
    this.#byName.set(name, id);
    this.#byId.set(id, name);
    if (!known) this.#unknown.add(id);
    return id;
  }

  idOf(name: string): number | undefined {
    return this.#byName.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.#byId.get(id);
  }

  /** Every registered id with its name and whether the client knows it (read-only view). */
  entries(): { id: number; topic: string; known: boolean }[] {
    return [...this.#byId].map(([id, topic]) => ({ id, topic, known: !this.#unknown.has(id) }));
  }

  isKnown(id: number): boolean {
    return this.#byId.has(id) && !this.#unknown.has(id);
  }

  markKnown(id: number): void {
    this.#unknown.delete(id);
  }

  markUnknown(id: number): void {
    if (this.#byId.has(id)) this.#unknown.add(id);
  }

  clear(): void {
    this.#byName.clear();
    this.#byId.clear();
    this.#unknown.clear();
    this.#next = DYNAMIC_TOPIC_ID_FIRST;
    this.#bytes = 0;
  }
}
