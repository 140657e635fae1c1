/**
 * JSON.parse with a position: on a syntax error, a small strict scanner
 * (RFC 8259 grammar) finds where the text goes wrong and reports it as
 * 1-based line and column, because V8's messages do not always carry one.
 */

export type JsonParseResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly line: number; readonly column: number; readonly reason: string };

export function parseJsonText(input: string): JsonParseResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const found = locateJsonError(text);
    const { offset, reason } = found ?? { offset: 0, reason: error instanceof Error ? error.message : String(error) };
    return { ok: false, ...lineColumn(text, offset), reason };
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The first syntax error in `text`, or undefined if the scanner accepts it. */
export function locateJsonError(text: string): { offset: number; reason: string } | undefined {
  let pos = 0;
  const fail = (reason: string): never => {
    throw new JsonSyntax(pos, pos >= text.length ? `${reason}, found end of file` : `${reason}, found ${JSON.stringify(text[pos])}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const expect = (ch: string, what: string): void => {
    if (text[pos] !== ch) fail(`expected ${what}`);
    pos++;
  };
  const string = (): void => {
    expect('"', 'a double-quoted string');
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return;
      }
      if (c < 0x20) fail('control character in string (use \\n, \\t...)');
      if (c === 0x5c) {
        pos++;
        const e = text[pos];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 1, pos + 5))) fail('expected 4 hex digits after \\u');
          pos += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          pos++;
        } else {
          fail('invalid escape');
        }
      } else {
        pos++;
      }
    }
  };
  const number = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (match === null || match[0] === '' || match[0] === '-') fail('expected a value');
    pos += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    skipSpace();
    const c = text[pos];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return;
      }
    }
    if (c !== undefined && /[-0-9]/.test(c)) return number();
    fail('expected a value (object, array, string, number, true, false or null)');
  };
  const object = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail('expected a double-quoted property name');
      string();
      skipSpace();
      expect(':', '":" after property name');
      value();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        skipSpace();
        if (text[pos] === '}') fail('trailing comma before "}"');
        continue;
      }
      expect('}', '"," or "}" after property value');
      return;
    }
  };
  const array = (): void => {
    pos++;
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        skipSpace();
        if (text[pos] === ']') fail('trailing comma before "]"');
        continue;
      }
      expect(']', '"," or "]" after array element');
      return;
    }
  };
  try {
    value();
    skipSpace();
    if (pos < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntax) return { offset: error.offset, reason: error.reason };
    throw error;
  }
}
