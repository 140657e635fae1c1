import { once } from 'node:events';
import mqtt from 'mqtt';
import { dtls } from 'node-dtls-client';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { GatewayActivity } from '../../../src/http/activity.js';
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import { silentLogger } from '../../../src/log.js';
import { generatePacket, MsgType, parsePacket, type MqttSnPacket } from '../../../src/mqttsn/codec/index.js';
import { MqttSnGateway } from '../../../src/mqttsn/gateway.js';
import { PskStore } from '../../../src/security/psk-store.js';
import type { DtlsEndpoint } from '../../../src/transport/dtls/dtls-endpoint.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';

/**
 * MQTT-SN over DTLS with an independent client: node-dtls-client (pure
 * TypeScript DTLS 1.2, PSK), against the gateway's OpenSSL-based listener.
 */
class DtlsSnClient {
  readonly #socket: dtls.Socket;
  readonly #packets: MqttSnPacket[] = [];
  readonly #waiters: (() => void)[] = [];

  private constructor(socket: dtls.Socket) {
    this.#socket = socket;
    socket.on('message', (msg: Buffer) => {
      this.#packets.push(parsePacket(msg));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(port: number, identity: string, key: string): Promise<DtlsSnClient> {
    const socket = dtls.createSocket({
      type: 'udp4',
      address: '127.0.0.1',
      port,
      psk: { [identity]: key },
      timeout: 3000,
      ciphers: ['TLS_PSK_WITH_AES_128_CCM_8'],
    });
    const outcome = await Promise.race([once(socket, 'connected').then(() => 'connected'), once(socket, 'error').then(([err]) => String(err))]);
    if (outcome !== 'connected') throw new Error(`DTLS handshake failed: ${outcome}`);
    return new DtlsSnClient(socket);
  }

  send(packet: MqttSnPacket): void {
    this.#socket.send(generatePacket(packet));
  }

  async expect<T extends MqttSnPacket['type']>(type: T, timeoutMs = 3000): Promise<Extract<MqttSnPacket, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const packet = this.#packets.shift();
      if (packet !== undefined) {
        if (packet.type !== type) throw new Error(`expected ${type}, got ${packet.type}`);
        return packet as Extract<MqttSnPacket, { type: T }>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet of type ${type}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#socket.close();
  }
}

describe('MQTT-SN over DTLS (node-dtls-client, PSK)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const start = async (plainAccess: 'all' | 'none' = 'all'): Promise<{ gateway: MqttSnGateway; upstream: TestUpstream; plain: number; secure: number }> => {
    const credentials = new PskStore();
    credentials.add('sn-dev', Buffer.from('sn-secret'));
    credentials.add('sn-alias', Buffer.from('alias-secret'), 'sn-other');
    const config = resolveConfig({
      mqttsn: {
        plain_access: plainAccess,
        listeners: { udp: { default: { bind: '127.0.0.1:0' } }, dtls: { default: { bind: '127.0.0.1:0' } } },
      },
    }).mqttsn;
    const upstream = await startTestUpstream();
    cleanups.push(() => upstream.close());
    const gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger: silentLogger(), credentials });
    cleanups.push(() => gateway.close());
    return { gateway, upstream, plain: gateway.addresses[0]?.port ?? 0, secure: gateway.addresses[1]?.port ?? 0 };
  };

  const connect = (clientId: string): MqttSnPacket => ({ type: MsgType.CONNECT, will: false, cleanSession: true, protocolId: 1, duration: 60, clientId });

  it('connects with the PSK identity as client id and publishes to the broker', async () => {
    const { upstream, secure, gateway } = await start();
    const watcher = await mqtt.connectAsync(upstream.url, { reconnectPeriod: 0 });
    cleanups.push(() => watcher.endAsync(true));
    await watcher.subscribeAsync('dtls/sn/topic', { qos: 1 });
    const client = await DtlsSnClient.open(secure, 'sn-dev', 'sn-secret');
    cleanups.push(() => client.close());
    client.send(connect('sn-dev'));
    expect((await client.expect(MsgType.CONNACK)).returnCode).toBe(0);
    client.send({ type: MsgType.REGISTER, topicId: 0, msgId: 1, topicName: 'dtls/sn/topic' });
    const regack = await client.expect(MsgType.REGACK);
    const received = new Promise<[string, Buffer]>((resolve) => watcher.once('message', (t, p) => resolve([t, p])));
    client.send({
      type: MsgType.PUBLISH,
      dup: false,
      qos: 1,
      retain: false,
      msgId: 2,
      topic: { kind: 'normal', id: regack.topicId },
      data: Buffer.from('sealed'),
    });
    expect((await client.expect(MsgType.PUBACK)).returnCode).toBe(0);
    const [topic, payload] = await received;
    expect([topic, payload.toString()]).toEqual(['dtls/sn/topic', 'sealed']);
    expect((gateway.transports[1] as DtlsEndpoint).lastCipher).toBe('PSK-AES128-CCM8');
  });

  it('counts handshakes in /metrics: started, completed, refused', async () => {
    const { secure, gateway, upstream } = await start();
    const metrics = createGatewayMetrics({ version: 'test', mqttsn: gateway, lwm2m: undefined, upstream: upstream.connector, activity: new GatewayActivity() });
    const sample = async (name: string, result?: string): Promise<number> => {
      const text = await metrics.metrics();
      const labels = result === undefined ? 'protocol="mqttsn",listener="default"' : `protocol="mqttsn",listener="default",result="${result}"`;
      const line = text.split('\n').find((l) => l.startsWith(`snlw_${name}{${labels}}`));
      return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(await sample('dtls_handshakes_total', 'completed')).toBe(0);
    const client = await DtlsSnClient.open(secure, 'sn-dev', 'sn-secret');
    cleanups.push(() => client.close());
    await expect(DtlsSnClient.open(secure, 'sn-dev', 'not-the-key')).rejects.toThrow(/handshake (failed|timed out)/);
    expect(await sample('dtls_handshakes_total', 'completed')).toBe(1);
    // The wrong-key handshake started but never completed (it ends as failed or, once the client gives up, timeout).
    expect(await sample('dtls_handshakes_started_total')).toBe(2);
    expect(await sample('dtls_hello_verify_requests_total')).toBeGreaterThanOrEqual(2);
    expect(await sample('dtls_handshakes_total', 'rate_limited')).toBe(0);
    // The DTLS listener's socket counts its datagrams (handshake flights included) like a plain one.
    const text = await metrics.metrics();
    const received = text.split('\n').find((l) => l.startsWith('snlw_udp_datagrams_received_total{') && l.includes('transport="dtls"'));
    expect(Number(received?.slice(received.lastIndexOf(' ') + 1))).toBeGreaterThanOrEqual(4);
  });

  it('refuses another client id (CONNACK 0x03), honours a mapped name, and refuses a wrong key in the handshake', async () => {
    const { secure } = await start();
    const impostor = await DtlsSnClient.open(secure, 'sn-dev', 'sn-secret');
    cleanups.push(() => impostor.close());
    impostor.send(connect('someone-else'));
    expect((await impostor.expect(MsgType.CONNACK)).returnCode).toBe(0x03);
    const alias = await DtlsSnClient.open(secure, 'sn-alias', 'alias-secret');
    cleanups.push(() => alias.close());
    alias.send(connect('sn-other'));
    expect((await alias.expect(MsgType.CONNACK)).returnCode).toBe(0);
    await expect(DtlsSnClient.open(secure, 'sn-dev', 'not-the-key')).rejects.toThrow(/handshake (failed|timed out)/);
  });

  it('a client id that has credentials cannot connect over plain UDP; plain_access none refuses everyone there', async () => {
    const open = await start('all');
    const plain = await SnTestClient.open(open.plain);
    cleanups.push(() => plain.close());
    await expect(plain.connect('sn-dev')).rejects.toThrow(/0x3/);
    await plain.connect('anyone');
    const closed = await start('none');
    const refused = await SnTestClient.open(closed.plain);
    cleanups.push(() => refused.close());
    await expect(refused.connect('anyone')).rejects.toThrow(/0x3/);
  });
});
