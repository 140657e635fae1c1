import xml2js from 'xml2js';

/**
 * Generic access to an xml2js tree (explicitArray mode: every child element
 * is an array, attributes under `$`, text under `_`). Element and attribute
 * names have namespace prefixes stripped, so `lwm2m:Object` reads as `Object`
 * and `xsi:noNamespaceSchemaLocation` does not get in the way.
 */
export type XmlNode = Readonly<Record<string, unknown>>;

const PARSER_OPTIONS: xml2js.ParserOptions = {
  explicitArray: true,
  explicitRoot: true,
  trim: true,
  normalize: false,
  strict: true,
  async: false,
  attrkey: '$',
  charkey: '_',
  emptyTag: '',
  tagNameProcessors: [xml2js.processors.stripPrefix],
  attrNameProcessors: [xml2js.processors.stripPrefix],
};

/**
 * Parses XML text synchronously (xml2js calls back synchronously when
 * `async` is false). Returns the root element's name and node; throws the
 * parser's error for malformed XML.
 */
export function parseXmlDocument(text: string): { rootName: string; root: XmlNode } {
  // A UTF-8 BOM decoded as text shows up as U+FEFF; the parser rejects it before the prolog.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let outcome: { error: Error | null; result: unknown } | undefined;
  const parser = new xml2js.Parser(PARSER_OPTIONS);
  parser.parseString(source, (error: Error | null, result: unknown) => {
    // Only the first callback counts (xml2js may report a late error after a result).
    outcome ??= { error, result };
  });
  if (outcome === undefined) throw new Error('XML parser did not finish synchronously');
  if (outcome.error !== null) throw outcome.error;
  const doc = outcome.result;
  if (!isNode(doc)) throw new Error('document has no root element');
  const names = Object.keys(doc);
  const rootName = names[0];
  if (rootName === undefined) throw new Error('document has no root element');
  const root = doc[rootName];
  return { rootName, root: isNode(root) ? root : {} };
}

export function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** All child elements named `name` (as nodes; text-only children become `{ _: text }`). */
export function children(node: XmlNode, name: string): XmlNode[] {
  const raw = node[name];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item: unknown) => (isNode(item) ? item : { _: typeof item === 'string' ? item : '' }));
}

/**
 * Trimmed text of the first child element `name`; `undefined` when the
 * element is absent, "" when it is empty.
 */
export function childText(node: XmlNode, name: string): string | undefined {
  const raw = node[name];
  if (raw === undefined) return undefined;
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  return textOf(first);
}

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isNode(value)) {
    const text = value['_'];
    return typeof text === 'string' ? text.trim() : '';
  }
  return '';
}

/** Attribute value (prefix stripped), trimmed; `undefined` when absent. */
export function attribute(node: XmlNode, name: string): string | undefined {
  const attrs = node['$'];
  if (!isNode(attrs)) return undefined;
  const value = attrs[name];
  return typeof value === 'string' ? value.trim() : undefined;
}
