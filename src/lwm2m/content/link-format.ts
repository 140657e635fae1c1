import { contentError } from './content-error.js';

/** One CoRE link (RFC 6690 §2): `<target>;attr=value;flag`. */
export interface Link {
  readonly target: string;
  /** Attribute values unquoted; `true` for a valueless attribute (e.g. `;obs`). The first of duplicates wins. */
  readonly attributes: Record<string, string | true>;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Parses RFC 6690 link format. Tolerates whitespace around separators and
 * empty list items (`</1>,,</2>,`); quoted values may contain `,` `;` and
 * backslash escapes. Throws GW_ERR_CONTENT with the offending position.
 */
export function parseLinkFormat(text: string): Link[] {
  const links: Link[] = [];
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && WHITESPACE.has(text[pos])) pos++;
  };
  const fail = (what: string): never => {
    throw contentError(`link-format: ${what} at offset ${pos}`);
  };
  for (;;) {
    skipSpace();
    while (text[pos] === ',') {
      pos++;
      skipSpace();
    }
    if (pos >= text.length) return links;
    if (text[pos] !== '<') fail('expected "<"');
    const close = text.indexOf('>', pos + 1);
    if (close < 0) fail('unterminated "<target>"');
    const target = text.slice(pos + 1, close);
    pos = close + 1;
    const attributes: Record<string, string | true> = {};
    for (;;) {
      skipSpace();
      if (text[pos] !== ';') break;
      pos++;
      skipSpace();
      const nameStart = pos;
      while (pos < text.length && !'=;,'.includes(text[pos]) && !WHITESPACE.has(text[pos])) pos++;
      const name = text.slice(nameStart, pos);
      if (name === '') fail('empty attribute name');
      skipSpace();
      let value: string | true = true;
      if (text[pos] === '=') {
        pos++;
        skipSpace();
        value = text[pos] === '"' ? readQuoted() : readToken();
      }
      if (!Object.hasOwn(attributes, name)) attributes[name] = value;
    }
    links.push({ target, attributes });
    skipSpace();
    if (pos < text.length && text[pos] !== ',') fail('expected "," or ";"');
  }

  function readQuoted(): string {
    let out = '';
    pos++; // opening quote
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === '"') {
        pos++;
        return out;
      }
      if (ch === '\\' && pos + 1 < text.length) {
        out += text[pos + 1];
        pos += 2;
        continue;
      }
      out += ch;
      pos++;
    }
    return fail('unterminated quoted value');
  }

  function readToken(): string {
    const start = pos;
    while (pos < text.length && !';,'.includes(text[pos]) && !WHITESPACE.has(text[pos])) pos++;
    return text.slice(start, pos);
  }
}

/** Attributes whose value RFC 6690 §3 / RFC 8288 define as quoted-string. */
const ALWAYS_QUOTED = new Set(['rt', 'if', 'title', 'anchor', 'rev', 'rel']);
// RFC 6690 §2 ptoken characters.
const PTOKEN = /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]+$/;

export function formatLink(link: Link): string {
  let out = `<${link.target}>`;
  for (const [name, value] of Object.entries(link.attributes)) {
    if (value === true) out += `;${name}`;
    else if (ALWAYS_QUOTED.has(name) || !PTOKEN.test(value)) out += `;${name}="${value.replace(/["\\]/g, '\\$&')}"`;
    else out += `;${name}=${value}`;
  }
  return out;
}

export function formatLinks(links: readonly Link[]): string {
  return links.map(formatLink).join(',');
}
