import { describe, expect, it } from 'vitest';
import { convertGateway, convertPskAuthentication } from '../../../src/cli/import-emqx/convert.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { looksLikeEmqx4, readEmqx4 } from '../../../src/cli/import-emqx/emqx4.js';

describe('EMQX 5 gateway settings -> gateway JSON', () => {
  it('bare-number durations are HOCON milliseconds; listener binds become strings; udp_options recbuf/sndbuf move up', () => {
    const { config, dropped } = convertGateway(
      { mqttsn: { idle_timeout: 45000, listeners: { udp: { default: { bind: 1884, udp_options: { recbuf: '2MB', reuseaddr: true } } } } } },
      'gateway.',
    );
    expect(config.mqttsn).toEqual({ idle_timeout: '45000ms', listeners: { udp: { default: { bind: '1884', recbuf: '2MB' } } } });
    expect(dropped).toEqual([{ key: 'gateway.mqttsn.listeners.udp.default.udp_options.reuseaddr', reason: 'Erlang socket tuning with no Node.js equivalent' }]);
  });

  it('an MQTT-SN mountpoint with a placeholder other than ${clientid} is not carried over; disabled listeners are left out', () => {
    const { config, dropped } = convertGateway(
      { mqttsn: { mountpoint: 'sn/${username}/', listeners: { udp: { default: { bind: '1884' }, old: { bind: '1885', enable: false } } } } },
      'gateway.',
    );
    expect(config.mqttsn).toEqual({ listeners: { udp: { default: { bind: '1884' } } } });
    expect(dropped.map((d) => d.key)).toEqual(['gateway.mqttsn.mountpoint', 'gateway.mqttsn.listeners.udp.old']);
    expect(dropped[0]?.reason).toBe('placeholder ${username} is not supported in the MQTT-SN mountpoint (only ${clientid})');
  });

  it("keeps an xml_dir of your own, drops EMQX's own, and names other gateways as not converted", () => {
    const own = convertGateway({ lwm2m: { xml_dir: '/srv/objects' }, coap: { enable: true } }, 'gateway.');
    expect(own.config.lwm2m).toEqual({ xml_dir: '/srv/objects' });
    expect(own.dropped).toEqual([{ key: 'gateway.coap', reason: 'only the MQTT-SN and LwM2M gateways are converted' }]);
    expect(convertGateway({ lwm2m: { xml_dir: 'etc/lwm2m_xml' } }, '').config.lwm2m).toEqual({});
  });
});

describe('EMQX 5 DTLS listeners and psk_authentication -> gateway JSON', () => {
  const emqxDtls = {
    mqttsn: {
      listeners: {
        dtls: {
          default: {
            bind: '0.0.0.0:1885',
            max_connections: 1024,
            max_conn_rate: 1000,
            udp_options: { recbuf: '4MB' },
            dtls_options: {
              versions: ['dtlsv1.2'],
              certfile: '/etc/gw/cert.pem',
              keyfile: '/etc/gw/key.pem',
              cacertfile: '${EMQX_ETC_DIR}/certs/cacert.pem',
              verify: 'verify_peer',
              fail_if_no_peer_cert: false,
              ciphers: ['PSK-AES128-CCM8', 'ECDHE-ECDSA-AES128-CCM8'],
              handshake_timeout: '20s',
              depth: 10,
              user_lookup_fun: 'emqx_tls_psk:lookup',
            },
          },
        },
      },
    },
  };

  it('carries bind, limits, files, verification, ciphers and the handshake timeout; lists what OTP alone has', () => {
    const { config, dropped } = convertGateway(emqxDtls, 'gateway.');
    expect(config.mqttsn).toEqual({
      listeners: {
        dtls: {
          default: {
            bind: '0.0.0.0:1885',
            max_connections: 1024,
            recbuf: '4MB',
            dtls_options: {
              certfile: '/etc/gw/cert.pem',
              keyfile: '/etc/gw/key.pem',
              verify: 'verify_peer',
              fail_if_no_peer_cert: false,
              ciphers: ['PSK-AES128-CCM8', 'ECDHE-ECDSA-AES128-CCM8'],
              handshake_timeout: '20s',
            },
          },
        },
      },
    });
    const base = 'gateway.mqttsn.listeners.dtls.default';
    expect(dropped.map((d) => d.key)).toEqual([
      `${base}.max_conn_rate`,
      `${base}.dtls_options.versions`,
      `${base}.dtls_options.cacertfile`,
      `${base}.dtls_options.depth`,
      `${base}.dtls_options.user_lookup_fun`,
    ]);
    expect(dropped.find((d) => d.key.endsWith('cacertfile'))?.reason).toContain("EMQX's installation");
  });

  it('says that a DTLS 1.0-only listener becomes DTLS 1.2', () => {
    const { dropped } = convertGateway({ lwm2m: { listeners: { dtls: { old: { bind: 5684, dtls_options: { versions: ['dtlsv1'] } } } } } }, '');
    expect(dropped).toEqual([{ key: 'lwm2m.listeners.dtls.old.dtls_options.versions', reason: expect.stringContaining('only DTLS 1.0') as string }]);
  });

  it('psk_authentication keeps enable, init_file and separator (same file format); chunk_size is listed', () => {
    const { config, dropped } = convertPskAuthentication({ enable: true, init_file: '/etc/gw/psk.txt', separator: ':', chunk_size: 50 }, 'psk_authentication');
    expect(config.psk_authentication).toEqual({ enable: true, init_file: '/etc/gw/psk.txt', separator: ':' });
    expect(dropped.map((d) => d.key)).toEqual(['psk_authentication.chunk_size']);
  });

  it("the converted DTLS listener passes the gateway's own config checks", () => {
    const { config } = convertGateway(emqxDtls, 'gateway.');
    const resolved = resolveConfig({ mqttsn: config.mqttsn });
    const listener = resolved.mqttsn.listeners.dtls['default'];
    expect(listener?.bind).toBe('0.0.0.0:1885');
    expect(listener?.dtls_options.verify).toBe('verify_peer');
    expect(listener?.dtls_options.handshake_timeout).toBe(20_000);
  });
});

describe('EMQX 4 plugin files', () => {
  it('are told apart from HOCON', () => {
    expect(looksLikeEmqx4('mqtt.sn.port = 1884\n')).toBe(true);
    expect(looksLikeEmqx4('lwm2m.lifetime_min = 1s\n')).toBe(true);
    expect(looksLikeEmqx4('gateway.mqttsn { gateway_id = 1 }\n')).toBe(false);
  });

  it('map on/off, listener numbers, topics and %-placeholders; unknown lines are listed', () => {
    const result = readEmqx4(
      [
        '# comment',
        'lwm2m.bind.udp.1 = 0.0.0.0:5683',
        'lwm2m.bind.udp.2 = 0.0.0.0:6683',
        'lwm2m.auto_observe = on',
        'lwm2m.mountpoint = lwm2m/%u/%e/',
        'lwm2m.topics.command = dn/#',
        'not a key value line',
        'node.name = emqx@127.0.0.1',
      ].join('\n'),
    );
    expect(result.gateway.lwm2m).toEqual({
      listeners: { udp: { default: { bind: '0.0.0.0:5683' }, default_2: { bind: '0.0.0.0:6683' } } },
      auto_observe: true,
      mountpoint: 'lwm2m/${username}/${endpoint_name}/',
      translators: { command: { topic: 'dn/#' } },
    });
    expect(result.dropped).toEqual([
      { key: 'not a key value line', reason: 'not a "key = value" line' },
      { key: 'node.name', reason: 'not an MQTT-SN or LwM2M gateway key' },
    ]);
  });
});
