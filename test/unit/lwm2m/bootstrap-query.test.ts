import { describe, expect, it } from 'vitest';
import type { CoapMessage } from '../../../src/lwm2m/coap/message.js';
import { parseBootstrapQuery } from '../../../src/lwm2m/bootstrap/bootstrap-server.js';

function request(query: readonly (string | Buffer)[]): CoapMessage {
  return {
    type: 'CON',
    code: '0.02',
    messageId: 1,
    token: Buffer.from([1]),
    options: [{ number: 11, value: Buffer.from('bs') }, ...query.map((q) => ({ number: 15, value: typeof q === 'string' ? Buffer.from(q) : q }))],
    payload: Buffer.alloc(0),
  };
}

describe('Bootstrap-Request query', () => {
  it('takes ep and the 1.1 pct, ignores other parameters', () => {
    expect(parseBootstrapQuery(request(['ep=urn:imei:123']))).toEqual({ ok: true, endpoint: 'urn:imei:123', pct: undefined });
    expect(parseBootstrapQuery(request(['pct=110', 'ep=dev', 'x=1', 'Q']))).toEqual({ ok: true, endpoint: 'dev', pct: 110 });
  });

  it('refuses a missing, repeated or topic-breaking ep, invalid UTF-8 and a bad pct', () => {
    const reason = (query: readonly (string | Buffer)[]): string | undefined => {
      const parsed = parseBootstrapQuery(request(query));
      return parsed.ok ? undefined : parsed.reason;
    };
    expect(reason([])).toBe('ep is missing');
    expect(reason(['ep'])).toBe('ep is empty');
    expect(reason(['ep=a', 'ep=a'])).toBe('ep given more than once');
    expect(reason(['ep=a/b'])).toMatch(/separator/);
    expect(reason(['ep=#'])).toMatch(/wildcard/);
    expect(reason(['ep=$SYS'])).toMatch(/reserved/);
    expect(reason(['ep=a\u0001'])).toMatch(/control character/);
    expect(reason([Buffer.from([0x65, 0x70, 0x3d, 0xc3, 0x28])])).toBe('query is not valid UTF-8');
    expect(reason(['ep=a', 'pct=json'])).toMatch(/pct/);
    expect(reason(['ep=a', 'pct=70000'])).toMatch(/pct/);
  });
});
