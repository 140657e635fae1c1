import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { createLogger } from '../../../src/log.js';
import { MqttSnGateway } from '../../../src/mqttsn/gateway.js';
import { startTestUpstream, type TestUpstream } from '../../helpers/upstream.js';

/** Collects pino's JSON lines. */
function captureLines(): { stream: Writable; records: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const records = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, records };
}

describe('MQTT-SN listener receive buffer', () => {
  let gateway: MqttSnGateway | undefined;
  let upstream: TestUpstream | undefined;

  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = undefined;
    upstream = undefined;
  });

  it('warns when the kernel grants less than the configured recbuf', async () => {
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0', recbuf: 1024 * 1024 * 1024 } } } },
    }).mqttsn;
    upstream = await startTestUpstream();
    const log = captureLines();
    gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger: createLogger('info', log.stream) });
    const warning = log.records().find((r) => r['level'] === 40 && typeof r['msg'] === 'string' && r['msg'].includes('receive buffer'));
    expect(warning).toBeDefined();
    expect(warning).toMatchObject({ listener: 'mqttsn.listeners.udp.default', requested: 1024 * 1024 * 1024 });
    expect(warning?.['granted']).toBeLessThan(1024 * 1024 * 1024);
    expect(String(warning?.['hint'])).toContain('rmem_max');
  });

  it('warns also when the request lies between the kernel limit and twice it (Linux reports doubled sizes)', async () => {
    // On Linux the socket reports 2 x min(request, net.core.rmem_max); a request of 1.5 x rmem_max is capped.
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
    const requested = Math.floor(rmemMax * 1.5);
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0', recbuf: requested } } } },
    }).mqttsn;
    upstream = await startTestUpstream();
    const log = captureLines();
    gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger: createLogger('info', log.stream) });
    const warning = log.records().find((r) => r['level'] === 40);
    expect(warning).toMatchObject({ listener: 'mqttsn.listeners.udp.default', requested, granted: 2 * rmemMax });
  });

  it('says nothing when the granted buffer covers the request', async () => {
    const config = resolveConfig({
      mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0', recbuf: 64 * 1024 } } } },
    }).mqttsn;
    upstream = await startTestUpstream();
    const log = captureLines();
    gateway = await MqttSnGateway.start({ config, upstream: upstream.connector, logger: createLogger('info', log.stream) });
    expect(log.records().some((r) => r['msg'] === 'MQTT-SN listening' && r['listener'] === 'mqttsn.listeners.udp.default')).toBe(true);
    expect(log.records().filter((r) => r['level'] === 40)).toEqual([]);
  });
});
