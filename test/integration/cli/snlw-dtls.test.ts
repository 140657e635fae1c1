import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, runSnlw, startGatewayProcess, type GatewayProcess } from '../../helpers/gateway-process.js';

/** `snlw pub` and `snlw device` with --psk-identity / --psk against the real gateway's DTLS listeners. */

let gateway: GatewayProcess;
let broker: MqttClient;
let dir: string;
let snDtlsPort: number;
let lwm2mDtlsPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snlw-dtls-'));
  // A hex key and a text key, as the gateway's psk file takes them.
  await writeFile(join(dir, 'psk.txt'), 'sn-dev:0x0a0b0c0d0e0f\ndtls-dev:device secret\n');
  snDtlsPort = await freeUdpPort();
  lwm2mDtlsPort = await freeUdpPort();
  const config = {
    psk_authentication: { enable: true, init_file: join(dir, 'psk.txt') },
    mqttsn: { listeners: { dtls: { default: { bind: `127.0.0.1:${snDtlsPort}` } } } },
    lwm2m: { listeners: { dtls: { default: { bind: `127.0.0.1:${lwm2mDtlsPort}` } } } },
  };
  await writeFile(join(dir, 'gateway.json'), JSON.stringify(config));
  gateway = await startGatewayProcess(['--config', join(dir, 'gateway.json')]);
  broker = await connectAsync(gateway.brokerUrl, { clientId: 'cli-dtls-observer' });
}, 90_000);

afterAll(async () => {
  await broker?.endAsync();
  await gateway?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function nextMessage(topic: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic}`)), 30_000);
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      clearTimeout(timer);
      broker.off('message', onMessage);
      resolve(payload.toString());
    };
    broker.on('message', onMessage);
  });
}

describe('snlw over DTLS PSK', () => {
  it('snlw pub with a hex key publishes QoS 1 through the MQTT-SN DTLS listener to an MQTT subscriber', async () => {
    await broker.subscribeAsync('cli/dtls/temp', { qos: 1 });
    const arrived = nextMessage('cli/dtls/temp');
    const pub = await runSnlw(
      ['pub', '-p', String(snDtlsPort), '--psk-identity', 'sn-dev', '--psk', '0x0A0B0C0D0E0F', '-i', 'sn-dev', '-t', 'cli/dtls/temp', '-m', '22.5', '-q', '1'],
      gateway.env,
    );
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    expect(await arrived).toBe('22.5');
  });

  it('snlw sub over DTLS receives a retained message from the broker', async () => {
    await broker.publishAsync('cli/dtls/retained', 'kept', { qos: 1, retain: true });
    const sub = await runSnlw(
      [
        'sub',
        '-p',
        String(snDtlsPort),
        '--psk-identity',
        'sn-dev',
        '--psk',
        '0x0a0b0c0d0e0f',
        '-i',
        'sn-dev',
        '-t',
        'cli/dtls/retained',
        '-v',
        '-C',
        '1',
        '-W',
        '10',
      ],
      gateway.env,
    );
    expect(sub).toMatchObject({ code: 0, stdout: 'cli/dtls/retained kept\n' });
  });

  it('snlw device with a text key registers over the LwM2M DTLS listener; the register event says psk', async () => {
    const topic = 'lwm2m/dtls-dev/response';
    await broker.subscribeAsync(topic, { qos: 1 });
    const registered = new Promise<Record<string, unknown>>((resolve) => {
      const onMessage = (t: string, payload: Buffer): void => {
        const event = JSON.parse(payload.toString()) as { msgType?: string; data: Record<string, unknown> };
        if (t !== topic || event.msgType !== 'register') return;
        broker.off('message', onMessage);
        resolve(event.data);
      };
      broker.on('message', onMessage);
    });
    const run = await runSnlw(
      ['device', '-i', 'dtls-dev', '-p', String(lwm2mDtlsPort), '--psk-identity', 'dtls-dev', '--psk', 'device secret', '--duration', '1'],
      gateway.env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^dtls-dev: registered at 127\.0\.0\.1:\d+ over DTLS as \/rd\/dtls-dev /m);
    expect(run.stdout).toContain('dtls-dev: de-registered (2.02)');
    const data = await registered;
    expect(data).toMatchObject({ ep: 'dtls-dev', auth: 'psk', identity: 'dtls-dev' });
    expect(JSON.stringify(data)).not.toContain('device secret');
  });

  it('a wrong key fails with one line on stderr and exit 1', async () => {
    const pub = await runSnlw(
      ['pub', '-p', String(snDtlsPort), '--psk-identity', 'sn-dev', '--psk', '0x0a0b0c0d0e00', '-i', 'sn-dev', '-t', 'x', '-m', 'y', '-q', '1', '-W', '2'],
      gateway.env,
    );
    expect(pub.code).toBe(1);
    expect(pub.stderr).toMatch(/^snlw pub: DTLS handshake with 127\.0\.0\.1:\d+ not complete within 2 s \(no DTLS listener there, or a wrong PSK key\)\n$/);
  });

  it("an unknown identity fails with the server's alert", async () => {
    const pub = await runSnlw(['pub', '-p', String(snDtlsPort), '--psk-identity', 'nobody', '--psk', 'x', '-t', 'x', '-m', 'y'], gateway.env);
    expect(pub.code).toBe(1);
    expect(pub.stderr).toMatch(/^snlw pub: DTLS handshake with 127\.0\.0\.1:\d+ failed: .*unknown psk identity\n$/);
  });

  it('--psk without --psk-identity is a usage error', async () => {
    const pub = await runSnlw(['pub', '--psk', '0x00', '-t', 'x', '-m', 'y'], gateway.env);
    expect(pub).toMatchObject({ code: 2, stderr: 'snlw pub: --psk needs --psk-identity\n' });
  });
});
