import { TopicFilterTrie } from '../../topics/topic-filter-trie.js';

/**
 * Finds the device whose command subscription filter matches a topic the
 * broker delivered on the shared session. Matching is the gateway's one topic
 * matcher (MQTT 3.1.1 §4.7, `src/topics/topic-filter-trie.ts`): its cost is the
 * topic's depth, not the number of devices.
 */
export class TopicRouter<T> {
  readonly #filters = new TopicFilterTrie();
  readonly #targets = new Map<string, T>();

  add(filter: string, target: T): void {
    this.#filters.add(filter);
    this.#targets.set(filter, target);
  }

  delete(filter: string): void {
    this.#filters.delete(filter);
    this.#targets.delete(filter);
  }

  get size(): number {
    return this.#targets.size;
  }

  /** The target of a filter `topic` matches (the most specific one first when several do). */
  match(topic: string): T | undefined {
    const exact = this.#targets.get(topic);
    if (exact !== undefined) return exact;
    const [first] = this.#filters.match(topic);
    return first === undefined ? undefined : this.#targets.get(first);
  }
}
