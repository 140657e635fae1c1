import { describe, expect, it } from 'vitest';
import { rejectedAnswer, resultAnswer, resultData, notifyAnswer, eventAnswer } from '../../../src/lwm2m/bridge/answers.js';
import { parseCommand, type Lwm2mCommand } from '../../../src/lwm2m/bridge/command.js';
import { TopicRouter } from '../../../src/lwm2m/bridge/topic-router.js';
import { renderMountpoint, translatorTopic } from '../../../src/lwm2m/bridge/topics.js';
import { commandResult } from '../../../src/lwm2m/downlink/result.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import type { CoapMessage } from '../../../src/lwm2m/coap/message.js';

function ok(json: unknown): Lwm2mCommand {
  const parsed = parseCommand(Buffer.from(JSON.stringify(json)));
  if (!parsed.ok) throw new Error(parsed.rejected.reason);
  return parsed.command;
}
function rejected(payload: unknown): ReturnType<typeof rejectedAnswer> {
  const parsed = parseCommand(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));
  if (parsed.ok) throw new Error('expected a rejection');
  return rejectedAnswer(parsed.rejected);
}

describe('topics', () => {
  it('renders every placeholder and concatenates without adding slashes', () => {
    const mp = renderMountpoint('lwm2m/${peerhost}/${endpoint_name}/${clientid}/${username}', {
      endpoint_name: 'ep',
      clientid: 'c',
      username: 'u',
      peerhost: '127.0.0.1',
    });
    expect(mp).toBe('lwm2m/127.0.0.1/ep/c/u');
    expect(translatorTopic('lwm2m/ep', { topic: '/dn/#', qos: 0 })).toBe('lwm2m/ep/dn/#');
    expect(translatorTopic('lwm2m/ep/', { topic: 'command', qos: 0 })).toBe('lwm2m/ep/command');
  });

  it('routes topics to exact, # and + filters', () => {
    const r = new TopicRouter<string>();
    r.add('lwm2m/a/command', 'a');
    r.add('lwm2m/b/dn/#', 'b');
    r.add('lwm2m/+/c/cmd', 'c');
    expect(r.match('lwm2m/a/command')).toBe('a');
    expect(r.match('lwm2m/b/dn')).toBe('b');
    expect(r.match('lwm2m/b/dn/x/y')).toBe('b');
    expect(r.match('lwm2m/zz/c/cmd')).toBe('c');
    expect(r.match('lwm2m/a/other')).toBeUndefined();
    r.delete('lwm2m/b/dn/#');
    expect(r.match('lwm2m/b/dn')).toBeUndefined();
  });
});

describe('command parsing', () => {
  it('echoes every top-level key except msgType and data', () => {
    const c = ok({ reqID: 1, requestID: 'r', cacheID: 'c', imei: 'i', mheaders: { ttl: 0 }, msgType: 'read', data: { path: '/3/0/0' } });
    expect(c.echo).toEqual({ reqID: 1, requestID: 'r', cacheID: 'c', imei: 'i', mheaders: { ttl: 0 } });
    expect(c.immediate).toBe(true);
    expect(c.operation).toEqual({ kind: 'read', path: { objectId: 3, instanceId: 0, resourceId: 0, resourceInstanceId: undefined } });
  });

  it('splits ?query into Uri-Query and strips it from reqPath', () => {
    const c = ok({ msgType: 'read', data: { path: '/6/0/0?foo=bar&baz=1' } });
    expect(c.reqPath).toBe('/6/0/0');
    expect(c.query).toEqual(['foo=bar', 'baz=1']);
  });

  it('write: single -> replace; batch basePath depth 2 -> update, 3 -> replace; last duplicate wins', () => {
    const single = ok({ msgType: 'write', data: { path: '/3/0/13', type: 'Integer', value: '12345' } });
    expect(single.operation.kind === 'write' && single.operation.mode).toBe('replace');
    const batch = ok({
      msgType: 'write',
      data: {
        basePath: '/3/0/',
        content: [
          { path: '13', type: 'Integer', value: 1 },
          { path: '/6/0', type: 'Integer', value: 2 },
        ],
      },
    });
    expect(batch.reqPath).toBe('/3/0/');
    if (batch.operation.kind !== 'write') throw new Error('kind');
    expect(batch.operation.mode).toBe('update');
    expect(batch.operation.entries.map((e) => [e.path.resourceId, e.path.resourceInstanceId])).toEqual([
      [13, undefined],
      [6, 0],
    ]);
    const multi = ok({
      msgType: 'write',
      data: {
        basePath: '/3/0/22',
        content: [
          { path: '1', type: 'Objlnk', value: '1:1' },
          { path: '1', type: 'Objlnk', value: '1:2' },
        ],
      },
    });
    if (multi.operation.kind !== 'write') throw new Error('kind');
    expect(multi.operation.mode).toBe('replace');
    expect(multi.operation.entries).toHaveLength(1);
    expect(multi.operation.entries[0]?.value).toBe('1:2');
  });

  it('hex encoding: Opaque -> base64, String -> text; invalid hex rejected', () => {
    const o = ok({ encoding: 'hex', msgType: 'write', data: { path: '/3/0/14', type: 'Opaque', value: '48656C6C6F' } });
    expect(o.operation.kind === 'write' && o.operation.entries[0]?.value).toBe(Buffer.from('Hello').toString('base64'));
    const s = ok({ encoding: 'hex', msgType: 'write', data: { path: '/3/0/14', type: 'String', value: '48656C6C6F' } });
    expect(s.operation.kind === 'write' && s.operation.entries[0]?.value).toBe('Hello');
    expect(rejected({ encoding: 'hex', msgType: 'write', data: { path: '/3/0/14', type: 'String', value: 'ZZ' } }).data).toMatchObject({
      code: '4.00',
      codeMsg: 'bad_request',
      reqPath: '/3/0/14',
    });
  });

  it('execute args and write-attr attributes', () => {
    for (const args of ['undefined', null, undefined]) {
      const c = ok({ msgType: 'execute', data: { path: '/3/0/4', args } });
      expect(c.operation.kind === 'execute' && c.operation.args).toBe('');
    }
    const a = ok({ msgType: 'write-attr', data: { path: '/3/0/9', pmin: '1', pmax: 5, lt: '5', st: null, gt: undefined, foo: 1, epmax: '60' } });
    expect(a.operation.kind === 'write-attr' && a.operation.attributes).toEqual(['pmin=1', 'pmax=5', 'lt=5', 'epmax=60']);
    expect(rejected({ msgType: 'write-attr', data: { path: '/3/0/9', pmin: 'soon' } }).data).toMatchObject({ code: '4.00' });
  });

  it('create needs an object path; content paths are relative', () => {
    const c = ok({ msgType: 'create', data: { basePath: '/6', content: [{ path: '0/0', type: 'Float', value: 1.5 }] } });
    expect(c.operation.kind === 'create' && c.operation.entries[0]?.path).toMatchObject({ objectId: 6, instanceId: 0, resourceId: 0 });
    expect(rejected({ msgType: 'create', data: { basePath: '/6/0', content: [] } }).data).toMatchObject({ code: '4.00' });
  });

  it('rejects what cannot be carried out with a reason, echoing what it can', () => {
    expect(rejected('{nope')).toEqual({ msgType: 'unknown', data: { code: '4.00', codeMsg: 'bad_request', reason: 'payload is not JSON' } });
    expect(rejected({ reqID: 4, msgType: 'notify', data: { path: '/3/0/0' } })).toEqual({
      reqID: 4,
      msgType: 'notify',
      data: { code: '4.00', codeMsg: 'bad_request', reason: 'unsupported msgType "notify"', reqPath: '/3/0/0' },
    });
    expect(rejected({ msgType: 'read' }).data).toMatchObject({ reason: 'missing data object' });
    expect(rejected({ msgType: 'read', data: { path: '/3/0/0/0/0' } }).data).toMatchObject({ code: '4.00' });
    expect(rejected({ msgType: 'write', data: { path: '/3/0/1', type: 'Weird', value: 1 } }).data).toMatchObject({ code: '4.00' });
    expect(rejected([1, 2]).msgType).toBe('unknown');
  });
});

describe('answers', () => {
  const models = createModelRegistry([]);
  const response = (code: string, payload = ''): CoapMessage => ({
    type: 'ACK',
    code,
    messageId: 1,
    token: Buffer.from([1]),
    options: [],
    payload: Buffer.from(payload),
  });

  it('shapes result, notify, ack answers', () => {
    const c = ok({ reqID: 7, msgType: 'read', data: { path: '/3/0/0' } });
    expect(resultAnswer(c, resultData('2.05', '/3/0/0', { content: [{ path: '/3/0/0', value: 'x' }] }))).toEqual({
      reqID: 7,
      msgType: 'read',
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'x' }] },
    });
    expect(notifyAnswer({ reqID: 7 }, 3, resultData('2.05', '/3/0/0'))).toEqual({
      reqID: 7,
      msgType: 'notify',
      seqNum: 3,
      data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0' },
    });
    expect(eventAnswer(c, 'coap_timeout')).toEqual({ reqID: 7, msgType: 'coap_timeout', data: { path: '/3/0/0' } });
    expect(resultData('5.04', '/1').codeMsg).toBe('gateway_timeout');
  });

  it('write: 2.05 with payload -> 2.04 changed, without -> 4.05; errors have no content', () => {
    const w = ok({ msgType: 'write', data: { path: '/3/0/13', type: 'Integer', value: 1 } });
    expect(commandResult(w, response('2.05', 'x'), models)).toEqual({ code: '2.04', codeMsg: 'changed', reqPath: '/3/0/13' });
    expect(commandResult(w, response('2.05'), models)).toEqual({ code: '4.05', codeMsg: 'method_not_allowed', reqPath: '/3/0/13' });
    const r = ok({ msgType: 'read', data: { path: '/3/0/0' } });
    expect(commandResult(r, response('4.04'), models)).toEqual({ code: '4.04', codeMsg: 'not_found', reqPath: '/3/0/0' });
    const d = ok({ msgType: 'discover', data: { path: '/3' } });
    expect(commandResult(d, response('2.05', '</3/0>,</3/0/1>'), models).content).toEqual(['</3/0>', '</3/0/1>']);
  });
});
