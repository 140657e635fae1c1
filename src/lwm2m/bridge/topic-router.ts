/**
 * Finds the device whose command subscription filter matches a topic the
 * broker delivered on the shared session. Exact filters and `.../#` filters
 * are found by map lookups of the topic and its prefixes (no scan over all
 * devices); filters with `+` fall back to a scan of those filters only.
 */
export class TopicRouter<T> {
  readonly #plain = new Map<string, T>();
  readonly #withPlus = new Map<string, { readonly levels: readonly string[]; readonly target: T }>();

  add(filter: string, target: T): void {
    if (filter.includes('+')) this.#withPlus.set(filter, { levels: filter.split('/'), target });
    else this.#plain.set(filter, target);
  }

  delete(filter: string): void {
    this.#plain.delete(filter);
    this.#withPlus.delete(filter);
  }

  get size(): number {
    return this.#plain.size + this.#withPlus.size;
  }

  match(topic: string): T | undefined {
    const exact = this.#plain.get(topic);
    if (exact !== undefined) return exact;
    // MQTT 3.1.1 §4.7.1.2: `a/#` matches `a` and everything below it.
    const hashAll = this.#plain.get('#');
    let idx = topic.length;
    while (idx > 0) {
      const prefix = topic.slice(0, idx);
      const hit = this.#plain.get(`${prefix}/#`);
      if (hit !== undefined) return hit;
      idx = topic.lastIndexOf('/', idx - 1);
    }
    if (hashAll !== undefined) return hashAll;
    if (this.#withPlus.size === 0) return undefined;
    const levels = topic.split('/');
    for (const { levels: f, target } of this.#withPlus.values()) if (matchLevels(f, levels)) return target;
    return undefined;
  }
}

function matchLevels(filter: readonly string[], topic: readonly string[]): boolean {
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}
