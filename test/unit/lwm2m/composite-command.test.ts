import { describe, expect, it } from 'vitest';
import { parseCommand, type Lwm2mCommand } from '../../../src/lwm2m/bridge/command.js';
import { compositeObservationKey } from '../../../src/lwm2m/bridge/composite-command.js';
import { versionRefusal } from '../../../src/lwm2m/bridge/version-gate.js';
import { parsePath } from '../../../src/lwm2m/path.js';

function parsed(command: unknown): Lwm2mCommand {
  const r = parseCommand(Buffer.from(JSON.stringify(command)));
  if (!r.ok) throw new Error(r.rejected.reason);
  return r.command;
}
function reason(command: unknown): string {
  const r = parseCommand(Buffer.from(JSON.stringify(command)));
  if (r.ok) throw new Error('accepted');
  return r.rejected.reason;
}

describe('composite commands', () => {
  it('read / observe / cancel: a de-duplicated path list, reqPath "/", format by name or number', () => {
    const c = parsed({ reqID: 1, msgType: 'observe-composite', data: { paths: ['/3/0/9', '3/0/9/', '/1/0'], format: 'senml+json' } });
    expect(c.reqPath).toBe('/');
    expect(c.echo).toEqual({ reqID: 1 });
    expect(c.operation).toEqual({ kind: 'composite-read', paths: [parsePath('/3/0/9'), parsePath('/1/0')], format: 110, observe: 'register' });
    expect(parsed({ msgType: 'cancel-observe-composite', data: { paths: ['/3/0/9'], format: 112 } }).operation).toMatchObject({
      observe: 'cancel',
      format: 112,
    });
    expect(parsed({ msgType: 'read-composite', data: { paths: ['/3'] } }).operation).toMatchObject({ observe: undefined, format: undefined });
  });

  it('write: absolute paths with types; hex encoding applies', () => {
    const c = parsed({ msgType: 'write-composite', encoding: 'hex', data: { content: [{ path: '/3/0/14', type: 'String', value: '2b3032' }] } });
    expect(c.operation).toEqual({ kind: 'composite-write', format: undefined, entries: [{ path: parsePath('/3/0/14'), type: 'String', value: '+02' }] });
  });

  it('refuses bad lists with a reason', () => {
    expect(reason({ msgType: 'read-composite', data: {} })).toMatch(/non-empty list/);
    expect(reason({ msgType: 'read-composite', data: { paths: [3] } })).toMatch(/strings/);
    expect(reason({ msgType: 'read-composite', data: { paths: Array.from({ length: 257 }, (_, i) => `/3/0/${i}`) } })).toMatch(/more than 256/);
    expect(reason({ msgType: 'read-composite', data: { paths: ['/3/0'], format: 'tlv' } })).toMatch(/format/);
    expect(reason({ msgType: 'write-composite', data: { content: [{ type: 'String', value: 'x' }] } })).toMatch(/path/);
    expect(reason({ msgType: 'write-composite', data: { content: [] } })).toMatch(/non-empty/);
  });

  it('composite observations are keyed by their path set, in any order', () => {
    expect(compositeObservationKey([parsePath('/3/0/9'), parsePath('/1/0/1')])).toBe(compositeObservationKey([parsePath('/1/0/1'), parsePath('/3/0/9')]));
    expect(compositeObservationKey([parsePath('/3/0/9')])).not.toBe('/3/0/9');
  });
});

describe('version gate', () => {
  it('composite needs 1.1; epmin/epmax 1.1; edge, con, hqmax 1.2', () => {
    const composite = parsed({ msgType: 'read-composite', data: { paths: ['/3/0/0'] } });
    expect(versionRefusal(composite, '1.0')).toMatch(/needs LwM2M 1\.1/);
    expect(versionRefusal(composite, '1')).toMatch(/needs LwM2M 1\.1/);
    expect(versionRefusal(composite, '1.1')).toBeUndefined();
    const epmin = parsed({ msgType: 'write-attr', data: { path: '/3/0/9', epmax: 5 } });
    expect(versionRefusal(epmin, '1.0')).toMatch(/epmax needs LwM2M 1\.1/);
    expect(versionRefusal(epmin, '1.1')).toBeUndefined();
    const hqmax = parsed({ msgType: 'write-attr', data: { path: '/3/0/9', pmin: 1, hqmax: 3 } });
    expect(versionRefusal(hqmax, '1.1')).toMatch(/hqmax needs LwM2M 1\.2/);
    expect(versionRefusal(hqmax, '1.2')).toBeUndefined();
    expect(versionRefusal(parsed({ msgType: 'write-attr', data: { path: '/3/0/9', pmin: 1 } }), '1.0')).toBeUndefined();
  });
});
