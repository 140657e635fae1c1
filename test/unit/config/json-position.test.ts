import { describe, expect, it } from 'vitest';
import { lineColumn, locateJsonError, parseJsonText } from '../../../src/config/json-position.js';

describe('parseJsonText', () => {
  it('parses valid JSON (with or without a BOM)', () => {
    expect(parseJsonText('{"a":[1,2,{"b":null}]}')).toEqual({ ok: true, value: { a: [1, 2, { b: null }] } });
    expect(parseJsonText('\uFEFF[true]')).toEqual({ ok: true, value: [true] });
  });

  it.each([
    ['{"a": }', 1, 7, /expected a value/],
    ['{"a":1,}', 1, 8, /trailing comma/],
    ['[1,]', 1, 4, /trailing comma/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected "," or "}" after property value/],
    ['{"a":', 1, 6, /end of file/],
    ['', 1, 1, /end of file/],
    ['[1 2]', 1, 4, /expected "," or "]"/],
    ['{"a": tru}', 1, 7, /expected a value/],
    ["{'a': 1}", 1, 2, /double-quoted property name/],
    ['{"a": "x\ny"}', 1, 9, /control character/],
    ['{"a": "\\q"}', 1, 9, /invalid escape/],
    ['{"a": "\\u12"}', 1, 9, /4 hex digits/],
    ['{"a":1} x', 1, 9, /after the JSON value/],
    ['{"a": 01}', 1, 8, /expected "," or "}"/],
    ['{"a": -}', 1, 7, /expected a value/],
    ['{"a" 1}', 1, 6, /":" after property name/],
    ['{"a": "unterminated', 1, 20, /unterminated string/],
  ] as const)('%j fails at line %d column %d', (text, line, column, reason) => {
    const result = parseJsonText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect({ line: result.line, column: result.column }).toEqual({ line, column });
      expect(result.reason).toMatch(reason);
    }
  });

  it('the scanner accepts what JSON.parse accepts', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', ' { "a" : [ 1 , { } ] } ', 'null']) {
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      expect(locateJsonError(text)).toBeUndefined();
    }
  });

  it('counts lines from 1 and columns from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
