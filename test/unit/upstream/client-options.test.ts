import { describe, expect, it } from 'vitest';
import type { UpstreamClientConfig } from '../../../src/config/types.js';
import { ConfigError } from '../../../src/errors.js';
import {
  describeServer,
  headersOf,
  keepAliveSeconds,
  mapClientOptions,
  normaliseServerUrl,
  protocolFields,
  sessionPolicyOf,
} from '../../../src/upstream/client-options.js';
import { testClientConfig } from '../../helpers/upstream.js';

function config(overrides: Partial<UpstreamClientConfig>): UpstreamClientConfig {
  return testClientConfig({ server: 'tcp://broker.example:1883', ...overrides });
}

const tlsConfig = {
  caFilePEM: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  certFilePEM: '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n',
  keyFilePEM: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
  serverName: 'broker.internal',
  insecureSkipVerify: false,
};

describe('server URL schemes', () => {
  it.each([
    ['tcp://h:1883', 'mqtt', 'mqtt://h:1883'],
    ['mqtt://h:1883', 'mqtt', 'mqtt://h:1883'],
    ['ssl://h:8883', 'mqtts', 'mqtts://h:8883'],
    ['tls://h:8883', 'mqtts', 'mqtts://h:8883'],
    ['tcps://h:8883', 'mqtts', 'mqtts://h:8883'],
    ['mqtts://h:8883', 'mqtts', 'mqtts://h:8883'],
    ['ws://h:8083/mqtt', 'ws', 'ws://h:8083/mqtt'],
    ['wss://h:8084/mqtt', 'wss', 'wss://h:8084/mqtt'],
    ['TCP://H:1883', 'mqtt', 'mqtt://H:1883'],
  ])('%s -> %s', (server, protocol, url) => {
    expect(normaliseServerUrl(server)).toEqual({ protocol, url });
    const mapped = mapClientOptions(config({ server }));
    expect(mapped.protocol).toBe(protocol);
    expect(mapped.brokerUrl).toBe(url);
  });

  it.each(['http://h:80', 'unix:///tmp/sock', 'h:1883', '', 'tcp//h'])('rejects %j with a ConfigError on upstream.client.server', (server) => {
    let caught: unknown;
    try {
      normaliseServerUrl(server);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems[0]?.key).toBe('upstream.client.server');
  });
});

describe('protocol versions', () => {
  it('3 is MQTT 3.1 (MQIsdp)', () => {
    expect(protocolFields(3)).toEqual({ protocolId: 'MQIsdp', protocolVersion: 3 });
    expect(mapClientOptions(config({ protocolVersion: 3 })).options).toMatchObject({ protocolId: 'MQIsdp', protocolVersion: 3 });
  });
  it('4 and 0 are MQTT 3.1.1', () => {
    expect(protocolFields(4)).toEqual({ protocolId: 'MQTT', protocolVersion: 4 });
    expect(protocolFields(0)).toEqual({ protocolId: 'MQTT', protocolVersion: 4 });
  });
  it('5 is MQTT 5', () => {
    expect(mapClientOptions(config({ protocolVersion: 5 })).options).toMatchObject({ protocolId: 'MQTT', protocolVersion: 5 });
  });
});

describe('credentials and TLS', () => {
  it('maps basicAuth to username / password', () => {
    const { options } = mapClientOptions(config({ basicAuth: { username: 'gw', password: 's3cret' } }));
    expect(options.username).toBe('gw');
    expect(options.password).toBe('s3cret');
  });

  it('treats an empty basicAuth username as no credentials', () => {
    const { options } = mapClientOptions(config({ basicAuth: { username: '', password: '' } }));
    expect(options.username).toBeUndefined();
  });

  it('keeps credentials in the URL out of log descriptions', () => {
    expect(describeServer('mqtt://user:secret@h:1883')).toBe('mqtt://h:1883');
    expect(describeServer('ws://h:80/mqtt')).toBe('ws://h:80/mqtt');
  });

  it('omits credentials without basicAuth', () => {
    const { options } = mapClientOptions(config({}));
    expect(options.username).toBeUndefined();
    expect(options.password).toBeUndefined();
  });

  it('maps tlsConfig PEM contents, SNI and verification for ssl://', () => {
    const { options } = mapClientOptions(config({ server: 'ssl://10.0.0.1:8883', tlsConfig }));
    expect(options.ca).toBe(tlsConfig.caFilePEM);
    expect(options.cert).toBe(tlsConfig.certFilePEM);
    expect(options.key).toBe(tlsConfig.keyFilePEM);
    expect(options.servername).toBe('broker.internal');
    expect(options.rejectUnauthorized).toBe(true);
  });

  it('insecureSkipVerify turns certificate verification off', () => {
    const { options } = mapClientOptions(config({ server: 'tls://h:8883', tlsConfig: { ...tlsConfig, insecureSkipVerify: true, serverName: undefined } }));
    expect(options.rejectUnauthorized).toBe(false);
    expect(options.servername).toBeUndefined();
  });

  it('leaves empty PEM fields out', () => {
    const { options } = mapClientOptions(config({ server: 'mqtts://h', tlsConfig: { ...tlsConfig, certFilePEM: '', keyFilePEM: undefined } }));
    expect(options.ca).toBe(tlsConfig.caFilePEM);
    expect('cert' in options).toBe(false);
    expect('key' in options).toBe(false);
  });

  it('does not put TLS options on a plain tcp:// connection', () => {
    const { options } = mapClientOptions(config({ server: 'tcp://h:1883', tlsConfig }));
    expect(options.ca).toBeUndefined();
    expect(options.rejectUnauthorized).toBeUndefined();
  });

  it('passes TLS options, SNI included, to the WebSocket for wss://', () => {
    const { options } = mapClientOptions(config({ server: 'wss://h:8084/mqtt', tlsConfig }));
    expect(options.wsOptions).toMatchObject({
      ca: tlsConfig.caFilePEM,
      cert: tlsConfig.certFilePEM,
      key: tlsConfig.keyFilePEM,
      servername: 'broker.internal',
      rejectUnauthorized: true,
    });
  });
});

describe('WebSocket headers', () => {
  it('maps httpHeaders (map of lists) to wsOptions.headers', () => {
    const { options } = mapClientOptions(config({ server: 'ws://h:8083/mqtt', httpHeaders: { 'X-Token': ['abc'], 'X-Multi': ['1', '2'], 'X-None': [] } }));
    expect(options.wsOptions).toEqual({ headers: { 'X-Token': 'abc', 'X-Multi': ['1', '2'] } });
  });

  it('headersOf keeps one value as a string', () => {
    expect(headersOf({ a: ['x'] })).toEqual({ a: 'x' });
  });

  it('ignores httpHeaders for non-WebSocket schemes', () => {
    const { options } = mapClientOptions(config({ httpHeaders: { 'X-Token': ['abc'] } }));
    expect(options.wsOptions).toBeUndefined();
  });
});

describe('timing options', () => {
  it('keepAlive ms -> seconds, rounded up; 0 stays off', () => {
    expect(keepAliveSeconds(30_000)).toBe(30);
    expect(keepAliveSeconds(500)).toBe(1);
    expect(keepAliveSeconds(0)).toBe(0);
    expect(mapClientOptions(config({ keepAlive: 45_000 })).options.keepalive).toBe(45);
  });

  it('connectTimeout is passed in ms; 0 means never', () => {
    expect(mapClientOptions(config({ connectTimeout: 7000 })).options.connectTimeout).toBe(7000);
    expect(mapClientOptions(config({ connectTimeout: 0 })).options.connectTimeout).toBe(2_147_483_647);
  });

  it('autoReconnect: starts at 1 s; false -> reconnectPeriod 0 and no backoff cap', () => {
    const on = mapClientOptions(config({ autoReconnect: true, maxReconnectInterval: 20_000 }));
    expect(on.options.reconnectPeriod).toBe(1000);
    expect(on.policy.maxReconnectIntervalMs).toBe(20_000);
    const off = mapClientOptions(config({ autoReconnect: false }));
    expect(off.options.reconnectPeriod).toBe(0);
    expect(off.policy.maxReconnectIntervalMs).toBeUndefined();
  });

  it('writeTimeout, pingTimeout, messageChannelDepth and the File store go to the session policy', () => {
    const { policy, options } = mapClientOptions(
      config({
        writeTimeout: 1234,
        pingTimeout: 2345,
        messageChannelDepth: 7,
        store: { type: 'File', directoryPrefix: '/var/lib/gw' },
      }),
    );
    expect(policy).toEqual({
      writeTimeoutMs: 1234,
      pingTimeoutMs: 2345,
      messageChannelDepth: 7,
      waitTimeoutMs: 5000,
      disconnectQuiesceMs: 2000,
      maxReconnectIntervalMs: 2000,
      fileStoreDirectory: '/var/lib/gw',
    });
    expect(options.resubscribe).toBe(false);
  });

  it('Memory store -> no store directory', () => {
    expect(mapClientOptions(config({})).policy.fileStoreDirectory).toBeUndefined();
  });

  it('waitTimeout and disconnectQuiesce go to the policy in ms', () => {
    const { policy } = mapClientOptions(config({ waitTimeout: 1500, disconnectQuiesce: 250 }));
    expect(policy.waitTimeoutMs).toBe(1500);
    expect(policy.disconnectQuiesceMs).toBe(250);
  });

  it('in-process sessions (embedded) never reconnect, queue offline, watch pings or use a store', () => {
    const policy = sessionPolicyOf(
      config({ store: { type: 'File', directoryPrefix: '/x' }, pingTimeout: 100, messageChannelDepth: 9, writeTimeout: 700 }),
      false,
    );
    expect(policy).toMatchObject({
      maxReconnectIntervalMs: undefined,
      fileStoreDirectory: undefined,
      pingTimeoutMs: 0,
      messageChannelDepth: 0,
      writeTimeoutMs: 700,
    });
  });
});
