import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { Lwm2mGateway } from '../../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../../src/lwm2m/model/registry.js';
import { createUpstreamConnector } from '../../../src/upstream/connector.js';
import type { UpstreamConnector } from '../../../src/upstream/types.js';
import { Lwm2mTestDevice, type DeviceMessage } from '../../helpers/lwm2m-device.js';
import { testUpstreamConfig, testUpstreamMode } from '../../helpers/upstream.js';
import { missingTool } from '../upstream/test-certificates.js';
import { freePort } from '../upstream/upstream-test-kit.js';
import { uniqueEp } from './harness.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function startMosquitto(port: number): Promise<ChildProcess | undefined> {
  const child = spawn('mosquitto', ['-p', String(port)], { stdio: 'ignore' });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return undefined;
  const until = Date.now() + 5000;
  while (!(await accepts(port))) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`mosquitto did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('the LwM2M bridge across a mosquitto restart', () => {
  let port = 0;
  let mosquitto: ChildProcess | undefined;
  let connector: UpstreamConnector | undefined;
  let gateway: Lwm2mGateway | undefined;
  let watcher: MqttClient | undefined;
  let device: Lwm2mTestDevice | undefined;

  beforeAll(async () => {
    port = await freePort();
    mosquitto = await startMosquitto(port);
    if (mosquitto === undefined) return missingTool('mosquitto');
    connector = await createUpstreamConnector(
      testUpstreamConfig({ server: `tcp://127.0.0.1:${port}`, maxReconnectInterval: 500 }, '127.0.0.1:0', testUpstreamMode()),
      silentLogger(),
    );
    const config = resolveConfig({
      lwm2m: { listeners: { udp: { default: { bind: '127.0.0.1:0' } } }, translators: { command: { topic: 'command', qos: 1 } } },
    }).lwm2m;
    gateway = await Lwm2mGateway.start({
      config,
      upstream: connector,
      models: createModelRegistry([]),
      logger: silentLogger(),
      reconnect: { maxReconnectIntervalMs: 500, offlineQueue: 100 },
    });
    watcher = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: uniqueEp('watch'), reconnectPeriod: 200 });
    device = await Lwm2mTestDevice.open({ host: '127.0.0.1', port: gateway.addresses[0]?.port ?? 0 });
  });

  afterAll(async () => {
    await device?.close();
    await watcher?.endAsync(true);
    await gateway?.close();
    await connector?.close();
    await stop(mosquitto);
  });

  it('commands reach the device again once mosquitto is back', async (ctx) => {
    if (mosquitto === undefined || gateway === undefined || watcher === undefined || device === undefined) return ctx.skip();
    const ep = uniqueEp('restart');
    expect((await device.register(ep, { lt: 300 })).code).toBe('2.01');
    await stop(mosquitto);
    mosquitto = await startMosquitto(port);
    // The broker forgot every session (no persistence): the bridge must subscribe again by itself.
    const w = watcher;
    const dev = device;
    let received: DeviceMessage | undefined;
    const deadline = Date.now() + 15_000;
    for (let id = 1; received === undefined; id += 1) {
      if (Date.now() > deadline) throw new Error('no command reached the device after the restart');
      if (w.connected) await w.publishAsync(`lwm2m/${ep}/command`, JSON.stringify({ reqID: id, msgType: 'read', data: { path: '/3/0/0' } }), { qos: 1 });
      received = await dev.expectRequest(300).catch(() => undefined);
    }
    expect(received.code).toBe('0.01');
  });
});
