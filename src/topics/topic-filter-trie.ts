interface TrieNode {
  /** Created with the first child: most nodes of per-device filters are leaves. */
  children: Map<string, TrieNode> | undefined;
  /** The filter ending at this node, if one was added. */
  filter: string | undefined;
}

function newNode(): TrieNode {
  return { children: undefined, filter: undefined };
}

/** True when a filter starts with a wildcard (MQTT 3.1.1 §4.7.2: it must not match `$` topics). */
export function startsWithWildcard(filter: string): boolean {
  const first = filter.charCodeAt(0);
  return first === 0x2b /* + */ || first === 0x23; /* # */
}

/**
 * The set of topic filters a gateway holds, for matching a topic name to the
 * filters it satisfies (MQTT 3.1.1 §4.7): `+` one level, `#` this level and
 * every level below (so `a/#` matches `a`), and topics starting with `$`
 * never matched by a filter starting with a wildcard (§4.7.2).
 * Matching costs the topic's depth, not the number of filters. The one
 * topic matcher of the gateway (upstream fan-out, pool connections, the
 * LwM2M command router); validity is `topic-rules.ts`'s.
 */
export class TopicFilterTrie {
  readonly #root: TrieNode = newNode();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds a (valid) filter; adding it again changes nothing. */
  add(filter: string): void {
    let node = this.#root;
    for (const level of filter.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (child === undefined) {
        child = newNode();
        node.children.set(level, child);
      }
      node = child;
    }
    if (node.filter === undefined) this.#size += 1;
    node.filter = filter;
  }

  delete(filter: string): void {
    const levels = filter.split('/');
    const path: TrieNode[] = [this.#root];
    let node = this.#root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (child === undefined) return;
      path.push(child);
      node = child;
    }
    if (node.filter === undefined) return;
    node.filter = undefined;
    this.#size -= 1;
    // Prune nodes left with neither a filter nor children.
    for (let i = levels.length; i > 0; i -= 1) {
      const current = path[i];
      if (current.filter !== undefined || (current.children?.size ?? 0) > 0) break;
      const parent = path[i - 1];
      parent.children?.delete(levels[i - 1]);
      if (parent.children?.size === 0) parent.children = undefined;
    }
  }

  /** Every filter that `topic` (a topic name) matches, each once. */
  match(topic: string): string[] {
    const out: string[] = [];
    collect(this.#root, topic.split('/'), 0, topic.charCodeAt(0) === 0x24 /* $ */, out);
    return out;
  }
}

function collect(node: TrieNode, levels: readonly string[], index: number, dollar: boolean, out: string[]): void {
  const children = node.children;
  if (children === undefined) {
    if (index === levels.length && node.filter !== undefined) out.push(node.filter);
    return;
  }
  const wildcardsAllowed = !(index === 0 && dollar); // MQTT 3.1.1 §4.7.2
  const hash = wildcardsAllowed ? children.get('#') : undefined;
  if (hash?.filter !== undefined) out.push(hash.filter); // `#` also matches the parent level (§4.7.1.2)
  if (index === levels.length) {
    if (node.filter !== undefined) out.push(node.filter);
    return;
  }
  const plus = wildcardsAllowed ? children.get('+') : undefined;
  if (plus !== undefined) collect(plus, levels, index + 1, dollar, out);
  const exact = children.get(levels[index]);
  if (exact !== undefined) collect(exact, levels, index + 1, dollar, out);
}
