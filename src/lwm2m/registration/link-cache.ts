import { parseObjectLinks, type ObjectLinks } from './object-links.js';

/** Payloads longer than this are parsed for their registration alone (not worth a cache key). */
const MAX_SHARED_PAYLOAD = 4096;

/**
 * Parsed Register / Update link payloads shared between registrations that
 * sent the same text (a fleet of one device model registers with
 * identical payloads; 100,000 copies of the same object list would cost
 * hundreds of bytes each). Entries are weak: a parsed payload no
 * registration holds any more is collected and its entry removed, so the
 * cache never outgrows the live registrations.
 */
export class LinkCache {
  readonly #byText = new Map<string, WeakRef<ObjectLinks>>();
  readonly #cleanup = new FinalizationRegistry<string>((text) => {
    const ref = this.#byText.get(text);
    if (ref !== undefined && ref.deref() === undefined) this.#byText.delete(text);
  });

  get size(): number {
    return this.#byText.size;
  }

  /** Throws GW_ERR_CONTENT on malformed link-format (as parseObjectLinks). */
  parse(text: string): ObjectLinks {
    if (text.length > MAX_SHARED_PAYLOAD) return parseObjectLinks(text);
    const hit = this.#byText.get(text)?.deref();
    if (hit !== undefined) return hit;
    const links = parseObjectLinks(text);
    this.#byText.set(text, new WeakRef(links));
    this.#cleanup.register(links, text);
    return links;
  }
}
