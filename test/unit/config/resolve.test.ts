import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, defaultRawConfig } from '../../../src/config/defaults.js';
import { packageRoot } from '../../../src/config/package-root.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/errors.js';
import { problemsOf } from './problems.js';

/** The one problem `raw` causes. */
function onlyProblem(raw: unknown): { key: string; value: unknown; reason: string } {
  const problems = problemsOf(() => resolveConfig(raw));
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe('resolveConfig defaults', () => {
  it('resolves {} and undefined to the documented defaults, durations in ms', () => {
    const config = resolveConfig({});
    expect(resolveConfig(undefined)).toEqual(config);
    expect(config.log.level).toBe('info');
    expect(config.upstream.mode).toBe('auto');
    expect(config.upstream.embedded.bind).toBe('0.0.0.0:1883');
    expect(config.upstream.client).toMatchObject({
      server: '',
      protocolVersion: 4,
      basicAuth: undefined,
      tlsConfig: undefined,
      cleanSession: true,
      store: { type: 'Memory', directoryPrefix: './data/mqtt-store' },
      connectTimeout: 30_000,
      keepAlive: 30_000,
      pingTimeout: 10_000,
      writeTimeout: 30_000,
      autoReconnect: true,
      maxReconnectInterval: 600_000,
      messageChannelDepth: 100,
      httpHeaders: {},
    });
    expect(config.mqttsn).toEqual({
      enable: true,
      gateway_id: 1,
      broadcast: false,
      broadcast_address: '255.255.255.255',
      broadcast_port: 1884,
      advertise_duration: 900_000,
      enable_qos3: true,
      predefined: [],
      mountpoint: '',
      subs_resume: false,
      idle_timeout: 30_000,
      clientinfo_override: { username: '', password: '', clientid: '' },
      listeners: { udp: { default: { bind: '0.0.0.0:1884', max_connections: 102_400, recbuf: 67_108_864, sndbuf: 4_194_304, io: 'auto' } }, dtls: {} },
      plain_access: 'all',
      retry_interval: 10_000,
      max_retries: 4,
      max_inflight: 1,
      sleep_buffer_size: 1000,
      max_message_size: 65_535,
      keepalive_multiplier: 1.5,
      session_expiry: 7_200_000,
    });
    expect(config.lwm2m).toMatchObject({
      enable: true,
      xml_dir: join(packageRoot(), 'xml'),
      lifetime_min: 15_000,
      lifetime_max: 86_400_000,
      qmode_time_window: 22_000,
      auto_observe: false,
      update_msg_publish_condition: 'always',
      mountpoint: 'lwm2m/${endpoint_name}/',
      listeners: { udp: { default: { bind: '0.0.0.0:5683', max_connections: 102_400, recbuf: 67_108_864, sndbuf: 4_194_304, io: 'auto' } } },
      idle_timeout: 30_000,
      max_inflight: 1,
      queue_max_size: 100,
      queue_max_age: 3_600_000,
      lifetime_grace: 10_000,
      coap: { ack_timeout: 2000, ack_random_factor: 1.5, max_retransmit: 4 },
      // No bootstrap server unless a configuration file is given.
      bootstrap: {
        config_file: '',
        listeners: { udp: { default: { bind: '0.0.0.0:5685', max_connections: 1000, recbuf: 67_108_864, sndbuf: 4_194_304, io: 'auto' } } },
        session_timeout: 120_000,
      },
    });
    expect(config.lwm2m.translators).toEqual({
      command: { topic: 'command', qos: 0 },
      response: { topic: 'response', qos: 0 },
      notify: { topic: 'response', qos: 0 },
      register: { topic: 'response', qos: 0 },
      update: { topic: 'response', qos: 0 },
      deregister: { topic: 'response', qos: 0 },
    });
  });

  it('defaultConfig() equals resolving the raw default document', () => {
    expect(defaultConfig()).toEqual(resolveConfig({}));
    expect(resolveConfig(defaultRawConfig())).toEqual(resolveConfig({}));
  });

  it('resolves the package root from the module location, with package.json in it', () => {
    expect(isAbsolute(packageRoot())).toBe(true);
    expect(resolveConfig({}).lwm2m.xml_dir).toBe(join(packageRoot(), 'xml'));
    expect(resolveConfig({ lwm2m: { xml_dir: '/opt/models' } }).lwm2m.xml_dir).toBe('/opt/models');
    expect(resolveConfig({ lwm2m: { xml_dir: 'test/fixtures/xml' } }).lwm2m.xml_dir).toBe(join(packageRoot(), 'test/fixtures/xml'));
  });
});

describe('resolveConfig merging', () => {
  it('deep-merges a partial section onto the defaults', () => {
    const config = resolveConfig({ mqttsn: { gateway_id: 7, clientinfo_override: { username: '${clientid}' } } });
    expect(config.mqttsn.gateway_id).toBe(7);
    expect(config.mqttsn.clientinfo_override).toEqual({ username: '${clientid}', password: '', clientid: '' });
    expect(config.mqttsn.retry_interval).toBe(10_000);
    expect(config.lwm2m.enable).toBe(true);
  });

  it('a listener map given by the user replaces the default listener set', () => {
    const config = resolveConfig({ mqttsn: { listeners: { udp: { v6: { bind: '[::]:1884' } } } } });
    expect(Object.keys(config.mqttsn.listeners.udp)).toEqual(['v6']);
    expect(config.mqttsn.listeners.udp['v6']).toEqual({ bind: '[::]:1884', max_connections: 102_400, recbuf: 67_108_864, sndbuf: 4_194_304, io: 'auto' });
    expect(Object.keys(config.lwm2m.listeners.udp)).toEqual(['default']);
  });

  it('accepts the test-helper form and several named listeners with sizes', () => {
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } } },
      lwm2m: { listeners: { udp: { a: { bind: 5683, recbuf: '64KB', sndbuf: 8192, max_connections: 10 }, b: { bind: '[::1]:5683' } } } },
    });
    expect(config.mqttsn.listeners.udp['default']?.bind).toBe('127.0.0.1:0');
    expect(config.lwm2m.listeners.udp['a']).toEqual({ bind: '5683', max_connections: 10, recbuf: 65_536, sndbuf: 8192, io: 'auto' });
    expect(config.lwm2m.listeners.udp['b']?.bind).toBe('[::1]:5683');
  });

  it('converts every duration form to milliseconds', () => {
    const config = resolveConfig({ mqttsn: { retry_interval: '200ms', idle_timeout: 2, session_expiry: '1h30m' }, lwm2m: { lifetime_grace: 0.5 } });
    expect(config.mqttsn.retry_interval).toBe(200);
    expect(config.mqttsn.idle_timeout).toBe(2000);
    expect(config.mqttsn.session_expiry).toBe(5_400_000);
    expect(config.lwm2m.lifetime_grace).toBe(500);
  });

  it('accepts the paho seed spellings as aliases of our names', () => {
    const config = resolveConfig({
      upstream: {
        client: {
          server: 'tcp://broker.example:1883',
          connectionTime: '5s',
          basicAuth: { username: 'u', passsword: 'p' },
          store: { type: 'File', direcotryPrefix: '/var/lib/gw' },
        },
      },
    });
    expect(config.upstream.client.connectTimeout).toBe(5000);
    expect(config.upstream.client.basicAuth).toEqual({ username: 'u', password: 'p' });
    expect(config.upstream.client.store).toEqual({ type: 'File', directoryPrefix: '/var/lib/gw' });
  });

  it('reports a key given both by its name and its alias', () => {
    const problem = onlyProblem({ upstream: { client: { connectTimeout: '1s', connectionTime: '2s' } } });
    expect(problem.key).toBe('upstream.client.connectionTime');
    expect(problem.reason).toMatch(/given twice/);
  });

  it('normalises protocolVersion 0 to 4 and keeps 3 and 5', () => {
    expect(resolveConfig({ upstream: { client: { protocolVersion: 0 } } }).upstream.client.protocolVersion).toBe(4);
    expect(resolveConfig({ upstream: { client: { protocolVersion: 3 } } }).upstream.client.protocolVersion).toBe(3);
    expect(resolveConfig({ upstream: { client: { protocolVersion: 5 } } }).upstream.client.protocolVersion).toBe(5);
  });

  it('fills tlsConfig and httpHeaders', () => {
    const config = resolveConfig({
      upstream: { client: { server: 'mqtts://b:8883', tlsConfig: { serverName: 'b' }, httpHeaders: { A: 'x', B: ['y', 'z'] } } },
    });
    expect(config.upstream.client.tlsConfig).toEqual({
      caFilePEM: undefined,
      certFilePEM: undefined,
      keyFilePEM: undefined,
      serverName: 'b',
      insecureSkipVerify: false,
    });
    expect(config.upstream.client.httpHeaders).toEqual({ A: ['x'], B: ['y', 'z'] });
  });

  it.each([
    [true, true],
    [false, false],
    ['on', true],
    ['off', false],
    [
      ['/3/0', '3/0/1', '/3303/0/5700'],
      ['/3/0', '/3/0/1', '/3303/0/5700'],
    ],
    ['/3/0, /5/0/3 ,/19/0/0', ['/3/0', '/5/0/3', '/19/0/0']],
  ] as const)('normalises auto_observe %j', (input, expected) => {
    expect(resolveConfig({ lwm2m: { auto_observe: input } }).lwm2m.auto_observe).toEqual(expected);
  });

  it('keeps valid predefined topics in order', () => {
    const predefined = [
      { id: 1, topic: 'a/b' },
      { id: 1024, topic: 'c' },
    ];
    expect(resolveConfig({ mqttsn: { predefined } }).mqttsn.predefined).toEqual(predefined);
  });
});

describe('resolveConfig result', () => {
  it('is deep-frozen', () => {
    const config = resolveConfig({ mqttsn: { predefined: [{ id: 5, topic: 't' }] } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.upstream.client.store)).toBe(true);
    expect(Object.isFrozen(config.mqttsn.predefined)).toBe(true);
    expect(Object.isFrozen(config.mqttsn.predefined[0])).toBe(true);
    expect(Object.isFrozen(config.mqttsn.listeners.udp['default'])).toBe(true);
    expect(() => {
      (config.log as { level: string }).level = 'debug';
    }).toThrow(TypeError);
  });

  it('does not modify or keep the raw input', () => {
    const raw = { mqttsn: { gateway_id: 3, predefined: [{ id: 2, topic: 'x' }] } };
    const config = resolveConfig(raw);
    expect(Object.isFrozen(raw)).toBe(false);
    expect(Object.isFrozen(raw.mqttsn.predefined)).toBe(false);
    raw.mqttsn.gateway_id = 9;
    expect(config.mqttsn.gateway_id).toBe(3);
  });
});

describe('resolveConfig validation: one problem per bad key', () => {
  it.each([
    [{ log: { level: 'verbose' } }, 'log.level', /one of "fatal", "error", "warn", "info", "debug", "trace", "silent"/],
    [{ upstream: { mode: 'bridged' } }, 'upstream.mode', /"auto", "transparent", "aggregating"/],
    [{ upstream: { embedded: { bind: 'localhost' } } }, 'upstream.embedded.bind', /host:port/],
    [{ upstream: { client: { server: 'http://b:80' } } }, 'upstream.client.server', /unsupported scheme "http".*tcp, mqtt, ssl, tls, tcps, mqtts, ws, wss/],
    [{ upstream: { client: { server: 'broker:1883' } } }, 'upstream.client.server', /scheme:\/\/host:port/],
    [{ upstream: { client: { server: 'mqtt://' } } }, 'upstream.client.server', /./],
    [{ upstream: { client: { protocolVersion: 6 } } }, 'upstream.client.protocolVersion', /one of 0, 3, 4, 5/],
    [{ upstream: { client: { protocolVersion: '4' } } }, 'upstream.client.protocolVersion', /one of 0, 3, 4, 5/],
    [{ upstream: { client: { store: { type: 'memory' } } } }, 'upstream.client.store.type', /"Memory", "File"/],
    [{ upstream: { client: { store: { type: 'File', directoryPrefix: '' } } } }, 'upstream.client.store.directoryPrefix', /must not be empty/],
    [{ upstream: { client: { cleanSession: 'yes' } } }, 'upstream.client.cleanSession', /true or false/],
    [{ upstream: { client: { keepAlive: '-1s' } } }, 'upstream.client.keepAlive', /negative/],
    [{ upstream: { client: { keepAlive: '19h' } } }, 'upstream.client.keepAlive', /from 0s to 18h12m15s/],
    [{ upstream: { client: { pingTimeout: 'soon' } } }, 'upstream.client.pingTimeout', /duration/],
    [{ upstream: { client: { messageChannelDepth: 1.5 } } }, 'upstream.client.messageChannelDepth', /integer/],
    [{ upstream: { client: { httpHeaders: { A: [1] } } } }, 'upstream.client.httpHeaders.A', /list of strings/],
    [{ upstream: { client: { basicAuth: 'user:pw' } } }, 'upstream.client.basicAuth', /object/],
    [{ mqttsn: { gateway_id: 256 } }, 'mqttsn.gateway_id', /from 0 to 255/],
    [{ mqttsn: { gateway_id: -1 } }, 'mqttsn.gateway_id', /from 0 to 255/],
    [{ mqttsn: { broadcast_address: 'everyone' } }, 'mqttsn.broadcast_address', /IPv4 or IPv6/],
    [{ mqttsn: { advertise_duration: '19h' } }, 'mqttsn.advertise_duration', /to 18h12m15s/],
    [{ mqttsn: { max_message_size: 65_536 } }, 'mqttsn.max_message_size', /to 65535/],
    [{ mqttsn: { keepalive_multiplier: 0.5 } }, 'mqttsn.keepalive_multiplier', /from 1 to 100/],
    [{ mqttsn: { mountpoint: 'gw/+/' } }, 'mqttsn.mountpoint', /wildcards/],
    [{ mqttsn: { predefined: { 1: 'a' } } }, 'mqttsn.predefined', /list/],
    [{ mqttsn: { predefined: [{ id: 0, topic: 'a' }] } }, 'mqttsn.predefined[0].id', /1 to 1024/],
    [{ mqttsn: { predefined: [{ id: 1025, topic: 'a' }] } }, 'mqttsn.predefined[0].id', /1 to 1024/],
    [{ mqttsn: { predefined: [{ id: 1, topic: '' }] } }, 'mqttsn.predefined[0].topic', /empty/],
    [{ mqttsn: { predefined: [{ id: 1, topic: 'a/#' }] } }, 'mqttsn.predefined[0].topic', /contains a wildcard/],
    [{ mqttsn: { predefined: [{ id: 1, topic: 'a/+/b' }] } }, 'mqttsn.predefined[0].topic', /contains a wildcard/],
    [{ mqttsn: { predefined: [{ id: 1, topic: 'a', qos: 1 }] } }, 'mqttsn.predefined[0].qos', /unknown key/],
    [
      {
        mqttsn: {
          predefined: [
            { id: 1, topic: 'a' },
            { id: 1, topic: 'b' },
          ],
        },
      },
      'mqttsn.predefined[1].id',
      /duplicate id.*predefined\[0\]/,
    ],
    [
      {
        mqttsn: {
          predefined: [
            { id: 1, topic: 'a' },
            { id: 2, topic: 'a' },
          ],
        },
      },
      'mqttsn.predefined[1].topic',
      /duplicate topic/,
    ],
    [{ mqttsn: { listeners: { udp: { default: { bind: 'nowhere' } } } } }, 'mqttsn.listeners.udp.default.bind', /host:port/],
    [{ mqttsn: { listeners: { udp: { default: { bind: '0.0.0.0:70000' } } } } }, 'mqttsn.listeners.udp.default.bind', /0\.\.65535/],
    [{ mqttsn: { listeners: { udp: { default: {} } } } }, 'mqttsn.listeners.udp.default.bind', /required/],
    [{ mqttsn: { listeners: { udp: { default: { bind: null } } } } }, 'mqttsn.listeners.udp.default.bind', /expected a string/],
    [{ mqttsn: { listeners: { udp: { default: null } } } }, 'mqttsn.listeners.udp.default', /expected an object/],
    [{ mqttsn: { listeners: { udp: { default: { bind: 1884, recbuf: '4XB' } } } } }, 'mqttsn.listeners.udp.default.recbuf', /unknown unit/],
    [{ mqttsn: { listeners: { udp: { default: { bind: 1884, max_connections: 0 } } } } }, 'mqttsn.listeners.udp.default.max_connections', /from 1/],
    [{ mqttsn: { listeners: { udp: { 'a.b': { bind: 1884 } } } } }, 'mqttsn.listeners.udp.a.b', /letters, digits/],
    [{ mqttsn: { listeners: { udp: {} } } }, 'mqttsn.listeners.udp', /at least one listener/],
    [{ mqttsn: { listeners: { udp: [] } } }, 'mqttsn.listeners.udp', /object/],
    [{ mqttsn: { listeners: { tcp: {} } } }, 'mqttsn.listeners.tcp', /unknown key/],
    [{ lwm2m: { xml_dir: '' } }, 'lwm2m.xml_dir', /empty/],
    [{ lwm2m: { auto_observe: 'sometimes' } }, 'lwm2m.auto_observe', /path/],
    [{ lwm2m: { auto_observe: ['/3/0', 7] } }, 'lwm2m.auto_observe[1]', /path string/],
    [{ lwm2m: { auto_observe: 1 } }, 'lwm2m.auto_observe', /true, false, "on", "off"/],
    [{ lwm2m: { update_msg_publish_condition: 'never' } }, 'lwm2m.update_msg_publish_condition', /"always", "contains_object_list"/],
    [{ lwm2m: { translators: { command: { qos: 3 } } } }, 'lwm2m.translators.command.qos', /one of 0, 1, 2/],
    [{ lwm2m: { translators: { notify: { topic: 'up/#' } } } }, 'lwm2m.translators.notify.topic', /contains a wildcard/],
    [{ lwm2m: { translators: { register: { topic: '' } } } }, 'lwm2m.translators.register.topic', /empty/],
    [{ lwm2m: { lifetime_min: '2d', lifetime_max: '1d' } }, 'lwm2m.lifetime_min', /must not exceed lwm2m.lifetime_max \(1d\)/],
    [{ lwm2m: { lifetime_max: '30d' } }, 'lwm2m.lifetime_max', /to 24d/],
    [{ lwm2m: { coap: { ack_random_factor: 0.9 } } }, 'lwm2m.coap.ack_random_factor', /from 1 to 10/],
    [{ lwm2m: { coap: { ack_timeout: '0s' } } }, 'lwm2m.coap.ack_timeout', /from 10ms to 1m/],
    [{ log: 'debug' }, 'log', /expected an object/],
  ] as const)('%j -> %s', (raw, key, reason) => {
    const problem = onlyProblem(raw);
    expect(problem.key).toBe(key);
    expect(problem.reason).toMatch(reason);
  });

  it('carries the offending value', () => {
    expect(onlyProblem({ mqttsn: { gateway_id: 300 } }).value).toBe(300);
    expect(onlyProblem({ upstream: { client: { server: 'http://x' } } }).value).toBe('http://x');
  });

  it('rejects a root that is not an object', () => {
    for (const raw of [null, 5, 'x', []]) {
      const problem = onlyProblem(raw);
      expect(problem.key).toBe('(root)');
    }
  });

  it('reports the same UDP address used by two listeners', () => {
    const problem = onlyProblem({
      mqttsn: { listeners: { udp: { default: { bind: '0.0.0.0:5683' } } } },
    });
    expect(problem.key).toBe('lwm2m.listeners.udp.default.bind');
    expect(problem.reason).toMatch(/same UDP address as mqttsn.listeners.udp.default.bind/);
  });

  it('reports binds that overlap through a wildcard address, across both protocols, in one line naming both keys', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { mqttsn: { listeners: { udp: { a: { bind: '0.0.0.0:21150' }, b: { bind: '127.0.0.1:21150' } } } } },
        'mqttsn.listeners.udp.b.bind',
        'mqttsn.listeners.udp.a.bind',
      ],
      [
        { mqttsn: { listeners: { udp: { a: { bind: '127.0.0.1:21151' } } } }, lwm2m: { listeners: { udp: { x: { bind: 21151 } } } } },
        'lwm2m.listeners.udp.x.bind',
        'mqttsn.listeners.udp.a.bind',
      ],
      [
        { mqttsn: { listeners: { udp: { a: { bind: '[::]:21152' } } } }, lwm2m: { listeners: { udp: { x: { bind: '10.0.0.1:21152' } } } } },
        'lwm2m.listeners.udp.x.bind',
        'mqttsn.listeners.udp.a.bind',
      ],
      [
        { mqttsn: { listeners: { udp: { a: { bind: '[::1]:21153' }, b: { bind: '[0:0::1]:21153' } } } } },
        'mqttsn.listeners.udp.b.bind',
        'mqttsn.listeners.udp.a.bind',
      ],
    ];
    for (const [raw, key, other] of cases) {
      const problem = onlyProblem(raw);
      expect(problem.key).toBe(key);
      expect(problem.reason).toContain(other);
    }
    expect(onlyProblem(cases[0][0]).reason).toMatch(/^overlaps mqttsn\.listeners\.udp\.a\.bind \("0\.0\.0\.0:21150"\)/);
  });

  it('accepts listeners that can all bind: other ports, distinct specific addresses, an IPv4 wildcard beside IPv6 addresses', () => {
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { a: { bind: '127.0.0.1:21160' }, b: { bind: '127.0.0.2:21160' }, c: { bind: '[::1]:21160' } } } },
      lwm2m: { listeners: { udp: { x: { bind: '0.0.0.0:21161' }, y: { bind: '[::1]:21161' } } } },
    });
    expect(Object.keys(config.mqttsn.listeners.udp)).toEqual(['a', 'b', 'c']);
  });

  it('checks the bootstrap listeners only when the bootstrap server runs (config_file set)', () => {
    // Off by default: its default bind may equal another listener's without a problem.
    expect(() => resolveConfig({ lwm2m: { bootstrap: { listeners: { udp: { default: { bind: '0.0.0.0:5683' } } } } } })).not.toThrow();
    const clash = onlyProblem({ lwm2m: { bootstrap: { config_file: '/etc/bs.json', listeners: { udp: { default: { bind: '0.0.0.0:5683' } } } } } });
    expect(clash.key).toBe('lwm2m.bootstrap.listeners.udp.default.bind');
    expect(clash.reason).toMatch(/same UDP address as lwm2m.listeners.udp.default.bind/);
    const none = onlyProblem({ lwm2m: { bootstrap: { config_file: '/etc/bs.json', listeners: { udp: {} } } } });
    expect(none.key).toBe('lwm2m.bootstrap.listeners.udp');
    const disabled = onlyProblem({ lwm2m: { enable: false, bootstrap: { config_file: '/etc/bs.json' } } });
    expect(disabled.key).toBe('lwm2m.bootstrap.config_file');
    expect(disabled.reason).toMatch(/needs lwm2m.enable true/);
    // A relative file name is taken from the working directory, as --config.
    expect(resolveConfig({ lwm2m: { bootstrap: { config_file: 'bs.json' } } }).lwm2m.bootstrap?.config_file).toBe(join(process.cwd(), 'bs.json'));
  });

  it('allows port 0 everywhere and empty listeners when the protocol is disabled', () => {
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { a: { bind: '127.0.0.1:0' }, b: { bind: '127.0.0.1:0' } } } },
      lwm2m: { enable: false, listeners: { udp: {} } },
    });
    expect(Object.keys(config.mqttsn.listeners.udp)).toEqual(['a', 'b']);
    expect(config.lwm2m.listeners.udp).toEqual({});
  });
});

describe('resolveConfig: unknown keys', () => {
  it('suggests the closest known key', () => {
    const problem = onlyProblem({ mqttsn: { gatway_id: 2 } });
    expect(problem.key).toBe('mqttsn.gatway_id');
    expect(problem.value).toBe(2);
    expect(problem.reason).toBe('unknown key; did you mean "gateway_id"?');
  });

  it('suggests through aliases, case-insensitively, at any depth', () => {
    expect(onlyProblem({ upstream: { client: { KeepAlive: '5s' } } }).reason).toMatch(/did you mean "keepAlive"/);
    expect(onlyProblem({ upstream: { client: { store: { directoryprefx: 'x' } } } }).reason).toMatch(/did you mean "directoryPrefix"/);
    expect(onlyProblem({ lwm2m: { coap: { max_retransmits: 5 } } }).reason).toMatch(/did you mean "max_retransmit"/);
  });

  it('points at the right section for a key put in the wrong one', () => {
    const problem = onlyProblem({ gateway_id: 3 });
    expect(problem.key).toBe('gateway_id');
    expect(problem.reason).toBe('unknown key; did you mean "mqttsn.gateway_id"? (it belongs in another section)');
    expect(onlyProblem({ mqttsn: { xml_dir: 'x' } }).reason).toMatch(/did you mean "lwm2m.xml_dir"/);
    expect(onlyProblem({ mqttsn: { topic: 'x' } }).reason).toMatch(/known keys/);
  });

  it('lists the known keys when nothing is close', () => {
    const problem = onlyProblem({ log: { colour: true } });
    expect(problem.key).toBe('log.colour');
    expect(problem.reason).toBe('unknown key (known keys: level, format, stats_interval)');
  });

  it('reports unknown keys inside listener entries', () => {
    const problem = onlyProblem({ lwm2m: { listeners: { udp: { default: { bind: 5683, max_conn_rate: 1000 } } } } });
    expect(problem.key).toBe('lwm2m.listeners.udp.default.max_conn_rate');
  });
});

describe('resolveConfig: several problems together', () => {
  it('reports every problem in one ConfigError, with the source', () => {
    let error: unknown;
    try {
      resolveConfig(
        {
          gatway: {},
          log: { level: 'loud' },
          mqttsn: { gateway_id: 999, predefined: [{ id: 2000, topic: '#' }] },
          lwm2m: { auto_observe: 'maybe', coap: { max_retransmit: -1 } },
          upstream: { client: { server: 'ftp://x', protocolVersion: 2 } },
        },
        'test.json',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('GW_ERR_CONFIG');
    expect(configError.problems.map((p) => p.key).sort()).toEqual(
      [
        'gatway',
        'log.level',
        'lwm2m.auto_observe',
        'lwm2m.coap.max_retransmit',
        'mqttsn.gateway_id',
        'mqttsn.predefined[0].id',
        'mqttsn.predefined[0].topic',
        'upstream.client.protocolVersion',
        'upstream.client.server',
      ].sort(),
    );
    expect(configError.message).toMatch(/^invalid configuration in test\.json\n/);
    expect(configError.message).toContain('  mqttsn.gateway_id: must be from 0 to 255 (got 999)');
  });

  it('does not report a cross-key problem on top of a bad key', () => {
    const problems = problemsOf(() => resolveConfig({ lwm2m: { lifetime_min: 'x', lifetime_max: '10s' } }));
    expect(problems.map((p) => p.key)).toEqual(['lwm2m.lifetime_min']);
  });
});

describe('lwm2m.translators.command is a topic filter', () => {
  it('accepts the EMQX 5 "dn/#" command topic', () => {
    const config = resolveConfig({ lwm2m: { translators: { command: { topic: 'dn/#' } } } });
    expect(config.lwm2m.translators.command.topic).toBe('dn/#');
  });

  it('rejects a misplaced wildcard in the command filter, and any wildcard in uplink topics', () => {
    let caught: unknown;
    try {
      resolveConfig({ lwm2m: { translators: { command: { topic: 'dn/#/x' }, response: { topic: 'up/#' } } } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const keys = (caught as ConfigError).problems.map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['lwm2m.translators.command.topic', 'lwm2m.translators.response.topic']));
  });
});
