import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/constants.js';
import { Lwm2mTestDevice, pathOf } from '../../helpers/lwm2m-device.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { MqttWatcher, uniqueEp } from '../lwm2m/harness.js';
import { getJson, startGatewayUnderTest, waitFor, type GatewayUnderTest } from './running-gateway.js';

type Json = Record<string, unknown>;

describe('HTTP API (EMQX 5 gateway API shape) against the running gateway', () => {
  let g: GatewayUnderTest;
  let mqtt: MqttWatcher;
  const devices: Lwm2mTestDevice[] = [];
  const clients: SnTestClient[] = [];

  beforeAll(async () => {
    g = await startGatewayUnderTest({ lwm2m: { coap: { ack_timeout: '200ms', max_retransmit: 0 } } });
    mqtt = new MqttWatcher(await connectAsync(g.brokerUrl, { clientId: `watch-${process.pid}-${Date.now()}` }));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const d of devices) await d.close();
    await mqtt?.client.endAsync();
    await g?.close();
  });

  async function device(): Promise<{ dev: Lwm2mTestDevice; ep: string }> {
    const ep = uniqueEp('http');
    await mqtt.watch(`lwm2m/${ep}/response`);
    const dev = await Lwm2mTestDevice.open(g.lwm2m);
    devices.push(dev);
    expect((await dev.register(ep, { lt: 300, links: '</1/0>,</3/0>' })).code).toBe('2.01');
    expect((await mqtt.next(`lwm2m/${ep}/response`)).msgType).toBe('register');
    return { dev, ep };
  }

  it('health, readiness, EMQX status and the OpenAPI document', async () => {
    expect(await getJson(`${g.base}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${g.base}/ready`)).toMatchObject({ status: 200, body: { status: 'ready', checks: { mqttsn: true, lwm2m: true, upstream: true } } });
    const status = await fetch(`${g.base}/api/v5/status`);
    expect(status.status).toBe(200);
    expect(await status.text()).toMatch(/is running/);
    const openapi = (await getJson(`${g.base}/api/v5/openapi.json`)).body as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe('3.0.3');
    for (const path of [
      '/api/v5/gateways',
      '/api/v5/gateways/mqttsn/clients/{clientid}',
      '/api/v5/gateways/lwm2m/clients/{clientid}/read',
      '/metrics',
      '/ready',
    ]) {
      expect(Object.keys(openapi.paths)).toContain(path);
    }
  });

  it('GET /api/v5/gateways: a bare array with both gateways, listeners and counts', async () => {
    const { status, body } = await getJson(`${g.base}/api/v5/gateways`);
    expect(status).toBe(200);
    const list = body as Json[];
    expect(list.map((e) => e.name)).toEqual(['mqttsn', 'lwm2m']);
    expect(list[0]).toMatchObject({ status: 'running', listeners: [{ id: 'mqttsn:udp:default', type: 'udp', running: true, bind: `127.0.0.1:${g.snPort}` }] });
    expect((await getJson(`${g.base}/api/v5/gateways?status=unloaded`)).body).toEqual([]);
    expect((await getJson(`${g.base}/api/v5/gateways/coap`)).status).toBe(404);
  });

  it('LwM2M: list, one client, object tree from the loaded models', async () => {
    const { ep, dev } = await device();
    const list = (await getJson(`${g.base}/api/v5/gateways/lwm2m/clients?like_endpoint_name=${encodeURIComponent(ep)}`)).body as { data: Json[]; meta: Json };
    expect(list.meta).toEqual({ page: 1, limit: 100, hasnext: false }); // like_* -> no count (EMQX)
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      endpoint_name: ep,
      clientid: ep,
      lifetime: 300,
      binding: 'U',
      objects: ['/1/0', '/3/0'],
      port: dev.port,
      queue_depth: 0,
      security: 'none',
    });
    const exact = (await getJson(`${g.base}/api/v5/gateways/lwm2m/clients?endpoint_name=${encodeURIComponent(ep)}`)).body as { meta: Json };
    expect(exact.meta).toEqual({ page: 1, limit: 100, hasnext: false, count: 1 });
    expect((await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}`)).body).toMatchObject({ endpoint_name: ep });
    expect(await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/nobody-${ep}`)).toMatchObject({ status: 404, body: { code: 'CLIENT_NOT_FOUND' } });
    const tree = (await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/objects`)).body as {
      objects: { path: string; name: string; resources: Json[] }[];
    };
    const deviceObject = tree.objects.find((o) => o.path === '/3/0');
    expect(deviceObject?.name).toBe('Device');
    expect(deviceObject?.resources.find((r) => r.id === 0)).toMatchObject({ name: 'Manufacturer', operations: 'R', type: 'String' });
    expect(deviceObject?.resources.find((r) => r.id === 4)).toMatchObject({ operations: 'E' });
  });

  it('LwM2M read over HTTP answers with the response-topic JSON, and lookup returns it', async () => {
    const { dev, ep } = await device();
    expect((await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/lookup?path=/3/0/0&action=read`)).body).toMatchObject({
      code: '6.01',
      codeMsg: 'reply_not_received',
    });
    const pending = getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/read?path=/3/0/0&reqID=7`, { method: 'POST' });
    const req = await dev.expectRequest();
    expect(pathOf(req)).toBe('/3/0/0');
    dev.respond(req, { code: '2.05', format: 0, payload: 'ACME' });
    const { status, body } = await pending;
    const expected = { reqID: 7, msgType: 'read', data: { code: '2.05', codeMsg: 'content', reqPath: '/3/0/0', content: [{ path: '/3/0/0', value: 'ACME' }] } };
    expect(status).toBe(200);
    expect(body).toEqual(expected);
    expect(await mqtt.next(`lwm2m/${ep}/response`)).toEqual(expected);
    expect((await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/lookup?path=/3/0/0&action=read`)).body).toMatchObject({
      clientid: ep,
      code: '2.05',
      content: [{ path: '/3/0/0', value: 'ACME' }],
    });

    // Discover: the answer as the response topic carries it; lookup enriches it from the object XML (EMQX).
    const discover = getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/discover?path=/3/0`, { method: 'POST' });
    const dreq = await dev.expectRequest();
    dev.respond(dreq, { code: '2.05', format: 40, payload: '</3/0>,</3/0/0>,</3/0/4>;pmin=10' });
    expect(await discover).toMatchObject({
      status: 200,
      body: { msgType: 'discover', data: { code: '2.05', content: ['</3/0>', '</3/0/0>', '</3/0/4>;pmin=10'] } },
    });
    expect((await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/lookup?path=/3/0&action=discover`)).body).toMatchObject({
      content: [
        { path: '/3/0', name: 'Device', operations: null, dataType: null },
        { path: '/3/0/0', name: 'Manufacturer', operations: 'R', dataType: 'String' },
        { path: '/3/0/4', name: 'Reboot', operations: 'E', dataType: 'none', link: '</3/0/4>;pmin=10' },
      ],
    });
  });

  it('LwM2M write, execute and observe over HTTP; 504 when the device is silent, 409 on reset, 400 on a bad command', async () => {
    const { dev, ep } = await device();
    const url = (op: string, q: string): string => `${g.base}/api/v5/gateways/lwm2m/clients/${ep}/${op}?${q}`;

    const write = getJson(url('write', 'path=/1/0/1&type=Integer&value=120'), { method: 'POST' });
    const wreq = await dev.expectRequest();
    expect(wreq.code).toBe('0.03');
    dev.respond(wreq, { code: '2.04' });
    expect(await write).toMatchObject({ status: 200, body: { msgType: 'write', data: { code: '2.04', reqPath: '/1/0/1' } } });

    const exec = getJson(url('execute', 'path=/3/0/4'), { method: 'POST' });
    const ereq = await dev.expectRequest();
    expect(ereq.code).toBe('0.02');
    dev.respond(ereq, { code: '2.04' });
    expect(await exec).toMatchObject({ status: 200, body: { msgType: 'execute', data: { code: '2.04' } } });

    const observe = getJson(url('observe', 'path=/3/0/9'), { method: 'POST' });
    const oreq = await dev.expectRequest();
    dev.respond(oreq, { code: '2.05', format: 0, payload: '87', observe: 1 });
    expect(await observe).toMatchObject({ status: 200, body: { msgType: 'observe', data: { code: '2.05', content: [{ path: '/3/0/9', value: 87 }] } } });
    expect((await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/objects`)).body).toMatchObject({ observed: ['/3/0/9'] });

    // The device never answers: CoAP gives up (ack_timeout 200 ms, no retransmission) -> coap_timeout -> 504.
    const silent = getJson(url('read', 'path=/3/0/1'), { method: 'POST' });
    await dev.expectRequest();
    expect(await silent).toMatchObject({ status: 504, body: { msgType: 'coap_timeout' } });

    const reset = getJson(url('read', 'path=/3/0/2'), { method: 'POST' });
    dev.reset(await dev.expectRequest());
    expect(await reset).toMatchObject({ status: 409, body: { msgType: 'coap_reset' } });

    expect(await getJson(url('read', 'path=/3/x'), { method: 'POST' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const badWrite = await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/${ep}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgType: 'execute', data: { path: '/3/0' } }),
    });
    expect(badWrite).toMatchObject({ status: 400, body: { msgType: 'execute', data: { code: '4.00', reason: expect.stringContaining('resource path') } } });
    expect(await getJson(`${g.base}/api/v5/gateways/lwm2m/clients/nobody/read?path=/3/0/0`, { method: 'POST' })).toMatchObject({
      status: 404,
      body: { code: 'CLIENT_NOT_FOUND' },
    });
  });

  it('MQTT-SN: list with filters, one client, subscriptions and topic ids, kick (204, DISCONNECT, gone), 404 after', async () => {
    const client = await SnTestClient.open(g.snPort);
    clients.push(client);
    const id = `sn-http-${process.pid}-${Date.now()}`;
    await client.connect(id, { duration: 30 });
    const topicId = await client.register(`http/${id}/up`);
    await client.subscribe(`http/${id}/down`, 1);

    const listed = (await getJson(`${g.base}/api/v5/gateways/mqttsn/clients?clientid=${id}`)).body as { data: Json[]; meta: Json };
    expect(listed.meta).toMatchObject({ count: 1, hasnext: false });
    expect(listed.data[0]).toMatchObject({
      clientid: id,
      conn_state: 'active',
      connected: true,
      keepalive: 30,
      ip_address: '127.0.0.1',
      port: client.port,
      proto_name: 'MQTT-SN',
    });
    expect((await getJson(`${g.base}/api/v5/gateways/mqttsn/clients?clientid=${id}&conn_state=asleep`)).body).toMatchObject({ data: [], meta: { count: 0 } });
    expect((await getJson(`${g.base}/api/v5/gateways/mqttsn/clients/${id}/subscriptions`)).body).toEqual([
      { topic: `http/${id}/down`, qos: 1, nl: 0, rap: 0, rh: 0 },
    ]);
    expect((await getJson(`${g.base}/api/v5/gateways/mqttsn/clients/${id}/topics`)).body).toContainEqual({ id: topicId, topic: `http/${id}/up`, known: true });

    const kicked = await fetch(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`, { method: 'DELETE' });
    expect(kicked.status).toBe(204);
    await client.expect(MsgType.DISCONNECT);
    await waitFor(async () => ((await getJson(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`)).status === 404 ? true : undefined), 'the kicked client to go');
    expect((await fetch(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`, { method: 'DELETE' })).status).toBe(404);
    const log = (await getJson(`${g.base}/api/v5/events/log`)).body as Json[];
    const mine = log.filter((e) => e.id === id).map((e) => e.type);
    expect(mine).toEqual(['connected', 'kicked', 'disconnected']);
  });

  it('MQTT-SN: a kept session (clean session off, disconnected) is listed as disconnected and can be kicked away', async () => {
    const client = await SnTestClient.open(g.snPort);
    clients.push(client);
    const id = `sn-kept-${process.pid}-${Date.now()}`;
    await client.connect(id, { cleanSession: false });
    await client.send({ type: MsgType.DISCONNECT });
    await client.expect(MsgType.DISCONNECT);
    const kept = await waitFor(async () => {
      const res = await getJson(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`);
      return (res.body as Json | null)?.conn_state === 'disconnected' ? (res.body as Json) : undefined;
    }, 'the kept session');
    expect(kept).toMatchObject({ connected: false, ip_address: null, port: null, clean_start: false });
    expect((await fetch(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await getJson(`${g.base}/api/v5/gateways/mqttsn/clients/${id}`)).status).toBe(404);
  });

  it('MQTT-SN predefined topics: add at run time and a client publishes on the id; remove', async () => {
    const topic = `http/predef/${process.pid}`;
    await mqtt.watch(topic);
    const add = await getJson(`${g.base}/api/v5/gateways/mqttsn/predefined`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 77, topic }),
    });
    expect(add).toMatchObject({ status: 201, body: { id: 77, topic } });
    expect((await getJson(`${g.base}/api/v5/gateways/mqttsn/predefined`)).body).toContainEqual({ id: 77, topic });
    const bad = await getJson(`${g.base}/api/v5/gateways/mqttsn/predefined`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 2000, topic: 'x' }),
    });
    expect(bad.status).toBe(400);
    const wild = await getJson(`${g.base}/api/v5/gateways/mqttsn/predefined`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 78, topic: 'a/#' }),
    });
    expect(wild.status).toBe(400);

    const client = await SnTestClient.open(g.snPort);
    clients.push(client);
    await client.connect(`sn-predef-${process.pid}-${Date.now()}`);
    await client.send({
      type: MsgType.PUBLISH,
      dup: false,
      qos: 1,
      retain: false,
      topic: { kind: 'predefined', id: 77 },
      msgId: 9,
      data: Buffer.from('{"v":1}'),
    });
    expect((await client.expect(MsgType.PUBACK)).returnCode).toBe(0);
    expect(await mqtt.next(topic)).toEqual({ v: 1 });

    expect((await fetch(`${g.base}/api/v5/gateways/mqttsn/predefined/77`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${g.base}/api/v5/gateways/mqttsn/predefined/77`, { method: 'DELETE' })).status).toBe(404);
  });

  it('event log and the SSE stream carry registration events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${g.base}/api/v5/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    let text = '';
    const { ep } = await device();
    const decoder = new TextDecoder();
    await waitFor(async () => {
      const chunk = await reader.read();
      text += decoder.decode(chunk.value ?? new Uint8Array());
      return text.includes(`"id":"${ep}"`) ? true : undefined;
    }, 'the register event on the stream');
    controller.abort();
    expect(text).toMatch(/event: overview/);
    expect(text).toMatch(new RegExp(`event: event\\ndata: \\{[^\\n]*"type":"register","id":"${ep}"`));
    const log = (await getJson(`${g.base}/api/v5/events/log`)).body as Json[];
    expect(log.some((e) => e.type === 'register' && e.id === ep)).toBe(true);
  });
});
