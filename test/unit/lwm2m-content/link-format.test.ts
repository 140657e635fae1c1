import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { formatLink, formatLinks, parseLinkFormat, type Link } from '../../../src/lwm2m/content/index.js';

describe('parseLinkFormat (RFC 6690)', () => {
  it('parses a registration payload with alternate path, ver and ct', () => {
    expect(parseLinkFormat('</lwm2m>;rt="oma.lwm2m";ct=11543,</lwm2m/1/0>,</lwm2m/3/0>;ver=1.1,</lwm2m/5>')).toEqual([
      { target: '/lwm2m', attributes: { rt: 'oma.lwm2m', ct: '11543' } },
      { target: '/lwm2m/1/0', attributes: {} },
      { target: '/lwm2m/3/0', attributes: { ver: '1.1' } },
      { target: '/lwm2m/5', attributes: {} },
    ]);
  });

  it('keeps commas, semicolons and escaped quotes inside quoted values', () => {
    expect(parseLinkFormat('</a>;title="x, y; z";ct="60 110",</b>;title="say \\"hi\\""')).toEqual([
      { target: '/a', attributes: { title: 'x, y; z', ct: '60 110' } },
      { target: '/b', attributes: { title: 'say "hi"' } },
    ]);
  });

  it('handles valueless attributes, whitespace, empty items and an empty payload', () => {
    expect(parseLinkFormat(' </3/0/13> ; obs ; pmin = 10 ,\n </3/0/9>;dim=2 , ,')).toEqual([
      { target: '/3/0/13', attributes: { obs: true, pmin: '10' } },
      { target: '/3/0/9', attributes: { dim: '2' } },
    ]);
    expect(parseLinkFormat('')).toEqual([]);
    expect(parseLinkFormat('  ')).toEqual([]);
    expect(parseLinkFormat('</1>;a=')).toEqual([{ target: '/1', attributes: { a: '' } }]);
  });

  it('keeps the first of duplicate attributes', () => {
    expect(parseLinkFormat('</1>;rt=a;rt=b')).toEqual([{ target: '/1', attributes: { rt: 'a' } }]);
  });

  it.each([
    ['no angle bracket', '/3/0', /expected "<"/],
    ['unterminated target', '</3/0', /unterminated "<target>"/],
    ['unterminated quoted value', '</3>;rt="abc', /unterminated quoted value/],
    ['empty attribute name', '</3>;=1', /empty attribute name/],
    ['garbage after a link', '</3> x', /expected "," or ";"/],
  ])('rejects %s with GW_ERR_CONTENT', (_name, text, reason) => {
    let caught: unknown;
    try {
      parseLinkFormat(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).code).toBe('GW_ERR_CONTENT');
    expect((caught as GatewayError).message).toMatch(reason);
  });
});

describe('formatLink / formatLinks', () => {
  it('quotes rt/title and non-token values, leaves tokens bare, writes flags without value', () => {
    expect(formatLink({ target: '/', attributes: { rt: 'oma.lwm2m', ct: '11543' } })).toBe('</>;rt="oma.lwm2m";ct=11543');
    expect(formatLink({ target: '/3/0/13', attributes: { obs: true, title: 'a "b"', ct: '60 110' } })).toBe('</3/0/13>;obs;title="a \\"b\\"";ct="60 110"');
    expect(
      formatLinks([
        { target: '/1', attributes: {} },
        { target: '/3/0', attributes: { ver: '1.1' } },
      ]),
    ).toBe('</1>,</3/0>;ver=1.1');
  });

  it('round-trips through parseLinkFormat', () => {
    const links: Link[] = [
      { target: '/lwm2m', attributes: { rt: 'oma.lwm2m', ct: '60 110 11543' } },
      { target: '/lwm2m/3/0', attributes: { ver: '1.1', obs: true, title: 'x, y; z' } },
    ];
    expect(parseLinkFormat(formatLinks(links))).toEqual(links);
  });
});
