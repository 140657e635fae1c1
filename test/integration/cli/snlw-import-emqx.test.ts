import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDtlsCertificates } from '../../helpers/dtls-certificates.js';
import { runSnlw, startGatewayProcess } from '../../helpers/gateway-process.js';

/** `snlw import-emqx` on configs in the shapes of EMQX's documentation and example files. */

const FIXTURES = join(import.meta.dirname, '../../fixtures/emqx');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snlw-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('snlw import-emqx', () => {
  it('EMQX 5 gateway.mqttsn / gateway.lwm2m HOCON: settings carried over, the rest listed with reasons, and the gateway runs it', async () => {
    const out = join(dir, 'emqx5.json');
    const run = await runSnlw(['import-emqx', join(FIXTURES, 'emqx5-gateways.conf'), '-o', out], {});
    expect(run.code).toBe(0);
    const config = JSON.parse(await readFile(out, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(config.mqttsn).toMatchObject({
      mountpoint: 'mqttsn/',
      gateway_id: 1,
      broadcast: true,
      enable_qos3: false,
      idle_timeout: '30s',
      predefined: [{ id: 1003, topic: 'pre-defined/topic/id/1003' }],
      clientinfo_override: { username: 'mqttsn_user', password: 'secret' },
      listeners: {
        udp: { default: { bind: '0.0.0.0:1884', max_connections: 1024000, recbuf: '4MB', sndbuf: '4MB' } },
        dtls: { default: { bind: '0.0.0.0:1885', max_connections: 1024000, dtls_options: { certfile: 'etc/certs/cert.pem', keyfile: 'etc/certs/key.pem' } } },
      },
    });
    expect(config.lwm2m).toMatchObject({
      mountpoint: 'lwm2m/${endpoint_name}/',
      lifetime_min: '1s',
      qmode_time_window: '22s',
      auto_observe: true,
      update_msg_publish_condition: 'contains_object_list',
      translators: { command: { topic: 'dn/#', qos: 0 }, update: { topic: 'up/update', qos: 0 } },
      listeners: { udp: { default: { bind: '5783' } } },
    });
    expect(config.lwm2m).not.toHaveProperty('xml_dir');
    for (const key of [
      'gateway.mqttsn.enable_stats',
      'gateway.mqttsn.listeners.dtls.default.dtls_options.versions',
      'gateway.mqttsn.listeners.udp.default.max_conn_rate',
      'gateway.mqttsn.listeners.udp.default.udp_options.active_n',
      'gateway.lwm2m.blockwise',
      'gateway.lwm2m.xml_dir',
    ])
      expect(run.stderr).toContain(`emqx5-gateways.conf: ${key}: `);
    expect(run.stderr).toMatch(/^snlw import-emqx: 8 settings not carried over:$/m);

    // The converted file starts the gateway (ports moved to free loopback ones by the environment;
    // the DTLS listener's files and port are EMQX's, so they are pointed at test ones here).
    const certificates = await makeDtlsCertificates([]);
    try {
      const mqttsn = config.mqttsn as { listeners: { dtls: { default: { bind: string; dtls_options: Record<string, string> } } } };
      mqttsn.listeners.dtls.default.bind = '127.0.0.1:0';
      mqttsn.listeners.dtls.default.dtls_options.certfile = certificates.serverCertFile;
      mqttsn.listeners.dtls.default.dtls_options.keyfile = certificates.serverKeyFile;
      await writeFile(out, JSON.stringify(config));
      const gateway = await startGatewayProcess(['--config', out]);
      await gateway.stop();
    } finally {
      await certificates.remove();
    }
  });

  it('EMQX 4 emqx_sn.conf + emqx_lwm2m.conf (key = value files) merge into one config', async () => {
    const run = await runSnlw(['import-emqx', join(FIXTURES, 'emqx_sn.conf'), join(FIXTURES, 'emqx_lwm2m.conf')], {});
    expect(run.code).toBe(0);
    const config = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    expect(config.mqttsn).toMatchObject({
      gateway_id: 1,
      enable_qos3: false,
      advertise_duration: '15m',
      broadcast: true,
      predefined: [
        { id: 1, topic: '/predefined/topic/name/hello' },
        { id: 2, topic: '/predefined/topic/name/nice' },
      ],
      clientinfo_override: { username: 'mqtt_sn_user', password: 'abc' },
      listeners: { udp: { default: { bind: '1884' } } },
    });
    expect(config.lwm2m).toMatchObject({
      mountpoint: 'lwm2m/${endpoint_name}/',
      qmode_time_window: '22s',
      auto_observe: false,
      translators: { command: { topic: 'dn/#' }, notify: { topic: 'up/notify' } },
      listeners: { udp: { default: { bind: '0.0.0.0:5683', recbuf: '1024KB', sndbuf: '1024KB' } } },
    });
    expect(run.stderr).toContain('emqx_sn.conf: mqtt.sn.predefined.topic.0: topic id 0 is reserved');
    expect(run.stderr).toContain('emqx_lwm2m.conf: lwm2m.bind.dtls.1: DTLS listeners are not carried over');
  });

  it('a file that is not HOCON, or holds no gateway settings, fails with one line', async () => {
    const run = await runSnlw(['import-emqx', join(FIXTURES, '..', 'lwm2m-xml')], {});
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
