import { beforeAll, describe, expect, it } from 'vitest';
import { CoapOption, uintOption, type CoapMessage, type CoapOptionValue } from '../../../src/lwm2m/coap/message.js';
import { decodeCompositeContent, encodeCompositePaths, encodeCompositeWrite } from '../../../src/lwm2m/content/composite.js';
import { ContentFormat, decodeContent, encodeWrite } from '../../../src/lwm2m/content/index.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../../src/lwm2m/model/xml-loader.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import type { ModelRegistry } from '../../../src/lwm2m/model/types.js';
import { parsePath } from '../../../src/lwm2m/path.js';
import { DeviceState } from '../../../src/cli/lwm2m/device-state.js';
import { RequestHandler } from '../../../src/cli/lwm2m/request-handler.js';

/** The simulated device's answers, decoded with the gateway's own content codecs. */

let models: ModelRegistry;
let state: DeviceState;
let handler: RequestHandler;

beforeAll(async () => {
  models = createModelRegistry((await loadModelDirectory(SHIPPED_XML_DIR)).models);
});

function request(
  code: string,
  path: string,
  options: { accept?: number; format?: number; observe?: number; query?: string[]; payload?: Buffer } = {},
): CoapMessage {
  const opts: CoapOptionValue[] = [];
  if (options.observe !== undefined) opts.push({ number: CoapOption.OBSERVE, value: uintOption(options.observe) });
  for (const segment of path.split('/').filter((s) => s !== '')) opts.push({ number: CoapOption.URI_PATH, value: Buffer.from(segment) });
  if (options.format !== undefined) opts.push({ number: CoapOption.CONTENT_FORMAT, value: uintOption(options.format) });
  for (const q of options.query ?? []) opts.push({ number: CoapOption.URI_QUERY, value: Buffer.from(q) });
  if (options.accept !== undefined) opts.push({ number: CoapOption.ACCEPT, value: uintOption(options.accept) });
  return { type: 'CON', code, messageId: 1, token: Buffer.from([1, 2]), options: opts, payload: options.payload ?? Buffer.alloc(0) };
}

describe('simulated device: requests answered with the gateway content codecs', () => {
  beforeAll(() => {
    state = new DeviceState(models, [1, 3, 3303], 'unit-dev', 300, 'U');
    handler = new RequestHandler(state, models);
  });

  it.each([
    ['TLV', ContentFormat.TLV],
    ['SenML JSON', ContentFormat.SENML_JSON],
    ['SenML CBOR', ContentFormat.SENML_CBOR],
    ['LwM2M JSON', ContentFormat.LWM2M_JSON],
  ])('reads an object instance as %s, decodable into typed values', (_name, format) => {
    const { answer } = handler.handle(request('0.01', '/3/0', { accept: format }));
    expect(answer.code).toBe('2.05');
    expect(answer.format).toBe(format);
    const content = decodeContent(format, answer.payload as Buffer, parsePath('/3/0'), models);
    expect(content).toContainEqual({ path: '/3/0/0', value: 'snlw' });
    expect(content).toContainEqual({ path: '/3/0/2', value: 'unit-dev' });
    expect(content).toContainEqual({ path: '/3/0/11/0', value: 0 });
  });

  it('one resource: text by default, CBOR on request; an unknown format is 4.06, an unknown path 4.04', () => {
    const text = handler.handle(request('0.01', '/3303/0/5701')).answer;
    expect(text).toMatchObject({ code: '2.05', format: ContentFormat.TEXT, payload: Buffer.from('Cel') });
    const cbor = handler.handle(request('0.01', '/3303/0/5700', { accept: ContentFormat.CBOR })).answer;
    expect(decodeContent(ContentFormat.CBOR, cbor.payload as Buffer, parsePath('/3303/0/5700'), models)).toEqual([{ path: '/3303/0/5700', value: 21.5 }]);
    expect(handler.handle(request('0.01', '/3/0/0', { accept: 9999 })).answer.code).toBe('4.06');
    expect(handler.handle(request('0.01', '/3/7')).answer.code).toBe('4.04');
  });

  it('writes in SenML JSON (partial update) and TLV (replace); read-only resources answer 4.05 and change nothing', () => {
    const senml = encodeWrite(ContentFormat.SENML_JSON, parsePath('/3/0'), [
      { path: parsePath('/3/0/14'), type: 'String', value: '+01:00' },
      { path: parsePath('/3/0/15'), type: 'String', value: 'Europe/Paris' },
    ]);
    expect(handler.handle(request('0.02', '/3/0', { format: ContentFormat.SENML_JSON, payload: senml })).answer.code).toBe('2.04');
    const tlv = encodeWrite(ContentFormat.TLV, parsePath('/3/0/14'), [{ path: parsePath('/3/0/14'), type: 'String', value: '+03:00' }]);
    expect(handler.handle(request('0.03', '/3/0/14', { format: ContentFormat.TLV, payload: tlv })).answer.code).toBe('2.04');
    const read = handler.handle(request('0.01', '/3/0', { accept: ContentFormat.SENML_JSON })).answer;
    const content = decodeContent(ContentFormat.SENML_JSON, read.payload as Buffer, parsePath('/3/0'), models);
    expect(content).toContainEqual({ path: '/3/0/14', value: '+03:00' });
    expect(content).toContainEqual({ path: '/3/0/15', value: 'Europe/Paris' });
    const refused = handler.handle(request('0.03', '/3/0/0', { format: ContentFormat.TEXT, payload: Buffer.from('x') }));
    expect(refused.answer.code).toBe('4.05');
    expect(handler.handle(request('0.01', '/3/0/0')).answer.payload).toEqual(Buffer.from('snlw'));
  });

  it('write-attributes set pmin/pmax, inherited from instance to resource; discover shows them', () => {
    expect(handler.handle(request('0.03', '/3303/0', { query: ['pmin=5', 'pmax=30'] })).answer.code).toBe('2.04');
    expect(handler.handle(request('0.03', '/3303/0/5700', { query: ['pmax=10'] })).answer.code).toBe('2.04');
    expect(handler.periods(parsePath('/3303/0/5700'))).toEqual({ pminMs: 5000, pmaxMs: 10_000 });
    expect(handler.handle(request('0.03', '/3303/0', { query: ['pmin=soon'] })).answer.code).toBe('4.00');
    const discover = handler.handle(request('0.01', '/3303/0', { accept: ContentFormat.LINK_FORMAT })).answer;
    expect(discover.payload?.toString()).toContain('</3303/0>;pmin=5;pmax=30,');
    expect(discover.payload?.toString()).toContain('</3303/0/5700>;pmax=10');
  });

  it('observe registers by token and answers with Observe; cancel removes it; execute resets min/max', () => {
    const observe = handler.handle(request('0.01', '/3303/0/5700', { observe: 0 }));
    expect(observe.answer.options).toContainEqual({ number: CoapOption.OBSERVE, value: Buffer.from([1]) });
    expect(handler.observations.size).toBe(1);
    handler.handle(request('0.01', '/3303/0/5700', { observe: 1 }));
    expect(handler.observations.size).toBe(0);
    for (let i = 0; i < 50; i++) state.tick();
    expect(handler.handle(request('0.02', '/3303/0/5605')).answer.code).toBe('2.04');
    const values = decodeContent(
      ContentFormat.TLV,
      handler.content({
        token: Buffer.from([9]),
        paths: [parsePath('/3303/0')],
        composite: false,
        format: ContentFormat.TLV,
        lastSentMs: 0,
        lastSnapshot: '',
        sequence: 0,
      }) as Buffer,
      parsePath('/3303/0'),
      models,
    );
    const value = (id: number): unknown => values.find((e) => e.path === `/3303/0/${id}`)?.value;
    expect(value(5601)).toBe(value(5700));
    expect(value(5602)).toBe(value(5700));
    expect(handler.handle(request('0.02', '/3/0/0')).answer.code).toBe('4.05');
  });
});

describe('simulated device: composite operations (LwM2M 1.1 FETCH / iPATCH at the root)', () => {
  let composite: RequestHandler;
  let compositeState: DeviceState;
  const lookup = (o: number, r: number) => models.resource(o, r);
  beforeAll(() => {
    compositeState = new DeviceState(models, [1, 3, 3303], 'comp-unit', 300, 'U');
    composite = new RequestHandler(compositeState, models);
  });

  it.each([
    ['SenML JSON', ContentFormat.SENML_JSON],
    ['SenML CBOR', ContentFormat.SENML_CBOR],
  ])('read-composite with a %s path list (base name inherited) answers every value with absolute names', (_name, format) => {
    const payload =
      format === ContentFormat.SENML_JSON
        ? Buffer.from(JSON.stringify([{ bn: '/3/0/', n: '0' }, { n: '2' }, { bn: '', n: '/1/0' }]))
        : encodeCompositePaths(format, [parsePath('/3/0/0'), parsePath('/3/0/2'), parsePath('/1/0')]);
    const { answer } = composite.handle(request('0.05', '', { format, payload }));
    expect(answer.code).toBe('2.05');
    expect(answer.format).toBe(format);
    const content = decodeCompositeContent(format, answer.payload as Buffer, lookup);
    expect(content.slice(0, 2)).toEqual([
      { path: '/3/0/0', value: 'snlw' },
      { path: '/3/0/2', value: 'comp-unit' },
    ]);
    expect(content).toContainEqual({ path: '/1/0/1', value: 300 });
  });

  it('answers in the Accept format; refuses other formats, bad path lists, missing paths and a non-root path', () => {
    const paths = encodeCompositePaths(ContentFormat.SENML_JSON, [parsePath('/3/0/0')]);
    const cbor = composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, accept: ContentFormat.SENML_CBOR, payload: paths }));
    expect(cbor.answer.format).toBe(ContentFormat.SENML_CBOR);
    expect(decodeCompositeContent(ContentFormat.SENML_CBOR, cbor.answer.payload as Buffer, lookup)).toEqual([{ path: '/3/0/0', value: 'snlw' }]);
    expect(composite.handle(request('0.05', '', { format: ContentFormat.TLV, payload: paths })).answer.code).toBe('4.15');
    expect(composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, accept: ContentFormat.TLV, payload: paths })).answer.code).toBe('4.06');
    expect(composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, payload: Buffer.from('[{"n":"3/0/0"}]') })).answer.code).toBe('4.00');
    expect(composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, payload: Buffer.from('[]') })).answer.code).toBe('4.00');
    expect(composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, payload: Buffer.from('{') })).answer.code).toBe('4.00');
    const missing = encodeCompositePaths(ContentFormat.SENML_JSON, [parsePath('/3/0/4242'), parsePath('/9')]);
    expect(composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, payload: missing })).answer.code).toBe('4.04');
    expect(composite.handle(request('0.05', '/3/0', { format: ContentFormat.SENML_JSON, payload: paths })).answer.code).toBe('4.05');
  });

  it('write-composite stores all values or none', () => {
    const write = (entries: { path: string; type: 'String' | 'Integer'; value: unknown }[]) =>
      composite.handle(
        request('0.07', '', {
          format: ContentFormat.SENML_CBOR,
          payload: encodeCompositeWrite(
            ContentFormat.SENML_CBOR,
            entries.map((e) => ({ ...e, path: parsePath(e.path) })),
          ),
        }),
      ).answer.code;
    expect(
      write([
        { path: '/3/0/14', type: 'String', value: '+05:00' },
        { path: '/1/0/1', type: 'Integer', value: 60 },
      ]),
    ).toBe('2.04');
    expect(compositeState.entries(parsePath('/3/0/14'))?.[0]?.value).toBe('+05:00');
    expect(compositeState.entries(parsePath('/1/0/1'))?.[0]?.value).toBe(60);
    expect(
      write([
        { path: '/3/0/14', type: 'String', value: '+06:00' },
        { path: '/3/0/0', type: 'String', value: 'x' },
      ]),
    ).toBe('4.05');
    expect(
      write([
        { path: '/3/0/14', type: 'String', value: '+06:00' },
        { path: '/3/7/0', type: 'String', value: 'x' },
      ]),
    ).toBe('4.04');
    expect(compositeState.entries(parsePath('/3/0/14'))?.[0]?.value).toBe('+05:00');
    // A value of the wrong kind for its resource (a string for an Integer) is refused by the gateway's decoder.
    expect(write([{ path: '/1/0/1', type: 'String', value: '60' }])).toBe('4.00');
    expect(composite.handle(request('0.07', '', { format: ContentFormat.TLV, payload: Buffer.from([0]) })).answer.code).toBe('4.15');
  });

  it('observe-composite registers by token with all paths; observing the same set replaces it; cancel by token', () => {
    const paths = encodeCompositePaths(ContentFormat.SENML_JSON, [parsePath('/3/0/9'), parsePath('/3303/0/5700')]);
    const reversed = encodeCompositePaths(ContentFormat.SENML_JSON, [parsePath('/3303/0/5700'), parsePath('/3/0/9')]);
    const observe = composite.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, observe: 0, payload: paths }));
    expect(observe.answer.options).toContainEqual({ number: CoapOption.OBSERVE, value: Buffer.from([1]) });
    const [observation] = [...composite.observations.values()];
    expect(observation?.composite).toBe(true);
    const notification = composite.content(observation) as Buffer;
    expect(decodeCompositeContent(ContentFormat.SENML_JSON, notification, lookup).map((e) => e.path)).toEqual(['/3/0/9', '/3303/0/5700']);
    const again = { ...request('0.05', '', { format: ContentFormat.SENML_JSON, observe: 0, payload: reversed }), token: Buffer.from([7]) };
    composite.handle(again);
    expect([...composite.observations.keys()]).toEqual(['07']);
    composite.handle({ ...request('0.05', '', { format: ContentFormat.SENML_JSON, observe: 1, payload: paths }), token: Buffer.from([7]) });
    expect(composite.observations.size).toBe(0);
  });

  it('a device of LwM2M 1.0 answers the composite operations 4.05', () => {
    const old = new RequestHandler(compositeState, models, false);
    const paths = encodeCompositePaths(ContentFormat.SENML_JSON, [parsePath('/3/0/0')]);
    expect(old.handle(request('0.05', '', { format: ContentFormat.SENML_JSON, payload: paths })).answer.code).toBe('4.05');
    expect(old.handle(request('0.07', '', { format: ContentFormat.SENML_JSON, payload: Buffer.from('[{"n":"/3/0/14","vs":"x"}]') })).answer.code).toBe('4.05');
  });

  it('pmin / pmax of a composite observation: the smallest among its paths', () => {
    composite.handle(request('0.03', '/3/0/9', { query: ['pmin=5', 'pmax=30'] }));
    composite.handle(request('0.03', '/3303/0', { query: ['pmin=2', 'pmax=60'] }));
    const observation = {
      token: Buffer.from([1]),
      paths: [parsePath('/3/0/9'), parsePath('/3303/0/5700')],
      composite: true,
      format: ContentFormat.SENML_JSON,
      lastSentMs: 0,
      lastSnapshot: '',
      sequence: 2,
    };
    expect(composite.observationPeriods(observation)).toEqual({ pminMs: 2000, pmaxMs: 30_000 });
    expect(composite.observationPeriods({ ...observation, paths: [parsePath('/1/0/1')] })).toEqual({ pminMs: 0, pmaxMs: undefined });
  });
});
