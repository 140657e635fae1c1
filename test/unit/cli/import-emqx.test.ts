import { describe, expect, it } from 'vitest';
import { convertGateway } from '../../../src/cli/import-emqx/convert.js';
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
