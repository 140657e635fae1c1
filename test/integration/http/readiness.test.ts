import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { EmbeddedBroker } from '../../../src/upstream/embedded-broker.js';
import { getJson, startGatewayUnderTest, waitFor, type GatewayUnderTest } from './running-gateway.js';

describe('/ready follows the broker link', () => {
  let broker: EmbeddedBroker | undefined;
  let g: GatewayUnderTest | undefined;
  afterAll(async () => {
    await g?.close();
    await broker?.close();
  });

  it('503 with Retry-After while the external broker is down, 200 once it is back; /health stays 200', async () => {
    broker = await EmbeddedBroker.start({ bind: '127.0.0.1:0', logger: silentLogger() });
    const port = broker.address?.port;
    if (port === undefined) throw new Error('no broker port');
    g = await startGatewayUnderTest({ brokerUrl: `mqtt://127.0.0.1:${port}` });
    const base = g.base;
    expect((await getJson(`${base}/ready`)).status).toBe(200);

    await broker.close();
    broker = undefined;
    const down = await waitFor(async () => {
      const res = await getJson(`${base}/ready`);
      return res.status === 503 ? res : undefined;
    }, '/ready to turn 503');
    expect(down.headers.get('retry-after')).toBe('15');
    expect(down.body).toEqual({ status: 'not ready', checks: { mqttsn: true, lwm2m: true, upstream: false } });
    expect((await getJson(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/api/v5/status`)).status).toBe(503);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^snlw_upstream_connected 0$/m);

    broker = await EmbeddedBroker.start({ bind: `127.0.0.1:${port}`, logger: silentLogger() });
    await waitFor(async () => ((await getJson(`${base}/ready`)).status === 200 ? true : undefined), '/ready to recover', 10_000);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^snlw_upstream_reconnects_total [1-9]\d*$/m);
  });
});
