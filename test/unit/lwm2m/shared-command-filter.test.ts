import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { notifyAnswer, notifyAnswerJson, notifyPrefix, resultData } from '../../../src/lwm2m/bridge/answers.js';
import { Lwm2mBridge } from '../../../src/lwm2m/bridge/lwm2m-bridge.js';
import { deviceTopic, endpointFromTopic, firmwareNotifyTopic, sharedCommandFilter } from '../../../src/lwm2m/bridge/topics.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { RegistrationStore } from '../../../src/lwm2m/registration/store.js';
import { silentLogger } from '../../../src/log.js';
import type { UpstreamSession } from '../../../src/upstream/types.js';

const translators = resolveConfig({ lwm2m: {} }).lwm2m.translators;
const dn = { ...translators, command: { topic: 'dn/#', qos: 0 as const } };

describe('shared command filter (one broker subscription for all devices)', () => {
  it('replaces a whole-level ${endpoint_name} with + and reads the endpoint back', () => {
    const shared = sharedCommandFilter('lwm2m/${endpoint_name}/', translators);
    expect(shared?.filter).toBe('lwm2m/+/command');
    expect(shared && endpointFromTopic(shared, 'lwm2m/dev-1/command')).toBe('dev-1');
    const withDn = sharedCommandFilter('lwm2m/${endpoint_name}/', dn);
    expect(withDn?.filter).toBe('lwm2m/+/dn/#');
    expect(withDn && endpointFromTopic(withDn, 'lwm2m/dev-2/dn/dm')).toBe('dev-2');
  });

  it('the endpoint in two levels must agree', () => {
    const shared = sharedCommandFilter('${endpoint_name}/x/${endpoint_name}/', translators);
    expect(shared?.filter).toBe('+/x/+/command');
    expect(shared && endpointFromTopic(shared, 'a/x/a/command')).toBe('a');
    expect(shared && endpointFromTopic(shared, 'a/x/b/command')).toBeUndefined();
  });

  it('falls back to per-device filters for other placeholders, partial levels or no placeholder', () => {
    for (const mp of ['lwm2m/${clientid}/', 'lwm2m/${username}/', 'lwm2m/${peerhost}/${endpoint_name}/', 'dev-${endpoint_name}/', 'lwm2m/', '']) {
      expect(sharedCommandFilter(mp, translators)).toBeUndefined();
    }
  });

  it('device topics are mountpoint + translator, firmware notifications as EMQX', () => {
    expect(deviceTopic('lwm2m/a/', translators, 'notify')).toBe(`lwm2m/a/${translators.notify.topic}`);
    expect(deviceTopic('lwm2m/a/', { ...translators, update: { topic: 'up/update', qos: 1 } }, 'update')).toBe('lwm2m/a/up/update');
    expect(firmwareNotifyTopic('lwm2m/a/')).toBe('lwm2m/a//v1/up/dm');
  });
});

describe('notification JSON built from a per-observation prefix', () => {
  const data = resultData('2.05', '/3/0/13', { content: [{ path: '/3/0/13', value: 5 }] });

  it('equals JSON.stringify of the answer object for empty, plain and integer-keyed echoes', () => {
    for (const echo of [{}, { reqID: 7 }, { reqID: 'x', mheaders: { ttl: 1 }, '12': true, z: null }]) {
      const prefix = notifyPrefix(echo);
      expect(prefix).toBeDefined();
      expect(notifyAnswerJson(prefix as string, 42, data)).toBe(JSON.stringify(notifyAnswer(echo, 42, data)));
    }
  });

  it('an echo carrying seqNum takes the object path (its key position differs)', () => {
    expect(notifyPrefix({ seqNum: 1, reqID: 2 })).toBeUndefined();
  });
});

describe('Lwm2mBridge command subscription', () => {
  /** A broker session that records subscriptions; `refuse` answers SUBACK 0x80 for wildcard filters (as an ACL would). */
  function session(refuse: boolean): UpstreamSession & { filters: string[] } {
    const filters: string[] = [];
    return {
      filters,
      sessionPresent: false,
      publish: async () => undefined,
      subscribe: async (list) => {
        filters.push(...list.map((f) => f.topic));
        return list.map((f) => (refuse && f.topic.includes('+') ? 0x80 : f.qos));
      },
      unsubscribe: async () => undefined,
      end: async () => undefined,
    };
  }

  function bridge(s: UpstreamSession, mountpoint?: string): Lwm2mBridge {
    const config = resolveConfig({ lwm2m: mountpoint === undefined ? {} : { mountpoint } }).lwm2m;
    return new Lwm2mBridge({
      config,
      session: s,
      store: new RegistrationStore(),
      models: createModelRegistry([]),
      endpointFor: () => {
        throw new Error('no downlink in this test');
      },
      logger: silentLogger(),
    });
  }

  it('subscribes one wildcard filter at start with the default mountpoint', async () => {
    const s = session(false);
    const b = bridge(s);
    await b.start();
    expect(s.filters).toEqual(['lwm2m/+/command']);
    expect(b.sharedCommandFilter).toBe('lwm2m/+/command');
  });

  it('falls back to per-device filters when the broker refuses the wildcard', async () => {
    const s = session(true);
    const b = bridge(s);
    await b.start();
    expect(b.sharedCommandFilter).toBeUndefined();
  });

  it('subscribes nothing at start when the mountpoint needs per-device filters', async () => {
    const s = session(false);
    const b = bridge(s, 'lwm2m/${clientid}/');
    await b.start();
    expect(s.filters).toEqual([]);
    expect(b.sharedCommandFilter).toBeUndefined();
  });
});
