import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSnlw, spawnSnlw, startGatewayProcess, waitFor, type CliProcess, type GatewayProcess } from '../../helpers/gateway-process.js';

/** `snlw device` and `snlw command` as child processes against the real gateway. */

let gateway: GatewayProcess;
let device: CliProcess;
let broker: MqttClient;
const events: unknown[] = [];

interface Answer {
  readonly msgType: string;
  readonly seqNum?: number;
  readonly data: { code?: string; content?: unknown[] };
}

beforeAll(async () => {
  gateway = await startGatewayProcess();
  broker = await connectAsync(gateway.brokerUrl, { clientId: 'cli-lwm2m-observer' });
  await broker.subscribeAsync('lwm2m/+/response');
  broker.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString())));
  device = spawnSnlw(['device', '-i', 'cli-dev'], gateway.env);
  await waitFor(
    () => device.output.stdout.includes('registered'),
    () => `the device to register: ${device.output.stdout}${device.output.stderr}`,
    60_000,
  );
}, 90_000);

afterAll(async () => {
  if (device?.child.exitCode === null) device.child.kill('SIGKILL');
  await broker?.endAsync();
  await gateway?.stop();
});

async function command(...args: string[]): Promise<Answer[]> {
  const run = await runSnlw(['command', 'cli-dev', ...args], gateway.env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
}

describe('snlw device + snlw command', () => {
  it('the simulated device registered with its objects', async () => {
    expect(device.output.stdout).toMatch(/^cli-dev: registered at 127\.0\.0\.1:\d+ as \/rd\/cli-dev \(lifetime 300 s, LwM2M 1\.1\)$/m);
    await waitFor(
      () => events.some((e) => (e as Answer).msgType === 'register'),
      () => 'the register event',
    );
    expect(events).toContainEqual(
      expect.objectContaining({ msgType: 'register', data: expect.objectContaining({ ep: 'cli-dev', objectList: ['/1/0', '/3/0', '/3303/0', '/6/0'] }) }),
    );
  });

  it('read a resource (text) and an instance (TLV); values typed by the object definitions', async () => {
    const [manufacturer] = await command('read', '/3/0/0');
    expect(manufacturer).toMatchObject({ msgType: 'read', data: { code: '2.05', content: [{ path: '/3/0/0', value: 'snlw' }] } });
    const [instance] = await command('read', '/3/0');
    const content = instance?.data.content as { path: string; value: unknown }[];
    expect(content).toContainEqual({ path: '/3/0/2', value: 'cli-dev' });
    const battery = content.find((e) => e.path === '/3/0/9')?.value;
    expect(typeof battery).toBe('number');
    expect(device.output.stdout).toContain('cli-dev: read /3/0 -> 2.05 (TLV)');
  });

  it('write (type from the object definition), then read back; a read-only resource answers 4.05', async () => {
    expect((await command('write', '/3/0/14', '+02:00'))[0]?.data.code).toBe('2.04');
    expect((await command('read', '/3/0/14'))[0]?.data.content).toEqual([{ path: '/3/0/14', value: '+02:00' }]);
    const refused = await runSnlw(['command', 'cli-dev', 'write', '/3/0/0', 'x'], gateway.env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ msgType: 'write', data: { code: '4.05' } });
  });

  it('discover, execute, write-attr; observe prints the answer and the notifications (pmax 1 s), then cancels', async () => {
    const [discover] = await command('discover', '/3303/0');
    expect(discover?.data.content).toEqual(expect.arrayContaining(['</3303/0>', '</3303/0/5700>', '</3303/0/5605>']));
    expect((await command('execute', '/3303/0/5605'))[0]?.data.code).toBe('2.04');
    expect((await command('write-attr', '/3303/0/5700', 'pmin=0', 'pmax=1'))[0]?.data.code).toBe('2.04');
    const answers = await command('observe', '/3303/0/5700', '-C', '2');
    expect(answers.map((a) => a.msgType)).toEqual(['observe', 'notify', 'notify']);
    for (const a of answers) expect(a.data.content).toEqual([{ path: '/3303/0/5700', value: expect.any(Number) }]);
    await waitFor(
      () => device.output.stdout.includes('cli-dev: cancel observe /3303/0/5700 -> 2.05'),
      () => device.output.stdout,
    );
  });

  it('a command for an endpoint that is not registered times out with exit 1', async () => {
    const run = await runSnlw(['command', 'nobody', 'read', '/3/0/0', '-W', '1'], gateway.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('snlw command: no answer on lwm2m/nobody/response within 1 s (is nobody registered?)\n');
  });

  it('follows the mountpoint and translators of a config file (EMQX 5 style topics)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snlw-cmd-'));
    try {
      const config = join(dir, 'gateway.json');
      await writeFile(
        config,
        JSON.stringify({ lwm2m: { mountpoint: 'lwm2m/${endpoint_name}/', translators: { command: { topic: 'dn/#' }, response: { topic: 'up/resp' } } } }),
      );
      const other = await startGatewayProcess(['--config', config]);
      const sim = spawnSnlw(['device', '-i', 'emqx5-dev', '--lwm2m', '1.0', '-Q', '--awake', '30'], other.env);
      try {
        await waitFor(
          () => sim.output.stdout.includes('registered'),
          () => sim.output.stdout + sim.output.stderr,
        );
        const run = await runSnlw(['command', 'emqx5-dev', 'read', '/3/0/2', '--config', config], other.env);
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ data: { code: '2.05', content: [{ path: '/3/0/2', value: 'emqx5-dev' }] } });
      } finally {
        sim.child.kill('SIGTERM');
        await sim.exited;
        await other.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('queue mode: a command sent while the device sleeps is delivered after its next Update', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snlw-queue-'));
    const config = join(dir, 'gateway.json');
    await writeFile(config, JSON.stringify({ lwm2m: { qmode_time_window: '1s' } }));
    const other = await startGatewayProcess(['--config', config]);
    const sleeper = spawnSnlw(['device', '-i', 'sleeper', '-Q', '--awake', '2', '--wake', '5'], other.env);
    try {
      // The gateway's window (1 s) closes before the device stops listening (2 s): from then on commands wait.
      await waitFor(
        () => sleeper.output.stdout.includes('sleeper: asleep until the next update'),
        () => sleeper.output.stdout + sleeper.output.stderr,
      );
      expect(sleeper.output.stdout).toContain('(lifetime 300 s, LwM2M 1.1, queue mode)');
      const run = await runSnlw(['command', 'sleeper', 'read', '/3/0/2'], other.env);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ data: { code: '2.05', content: [{ path: '/3/0/2', value: 'sleeper' }] } });
      const log = sleeper.output.stdout;
      const asleep = log.indexOf('sleeper: asleep until the next update');
      const update = log.indexOf('sleeper: update -> 2.04', asleep);
      expect(update).toBeGreaterThan(asleep);
      expect(log.indexOf('sleeper: read /3/0/2 -> 2.05')).toBeGreaterThan(update);
    } finally {
      sleeper.child.kill('SIGTERM');
      await sleeper.exited;
      await other.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bootstraps from the gateway's bootstrap server (-b), then registers where the account says", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snlw-bs-'));
    const file = join(dir, 'bootstrap.json');
    const account = (port: number): string =>
      JSON.stringify({ endpoints: { '*': { server_uri: `coap://127.0.0.1:${port}`, security_mode: 'nosec', lifetime: 120 } } });
    await writeFile(file, account(1));
    const other = await startGatewayProcess([], { GATEWAY_BOOTSTRAP_CONFIG_FILE: file, GATEWAY_BOOTSTRAP_BIND: '127.0.0.1:0' });
    try {
      // The LwM2M port is known only now: point the account at it and reload (SIGHUP).
      await writeFile(file, account(Number(other.env.GATEWAY_LWM2M_BIND?.split(':')[1])));
      other.child.kill('SIGHUP');
      await waitFor(
        () => other.output.stdout.includes('"bootstrap: configuration reloaded"'),
        () => other.output.stdout.slice(-800),
      );
      const started = other.output.stdout.split('\n').find((l) => l.includes('"bootstrap: server started"')) ?? '';
      const listener = (JSON.parse(started) as { listeners: { host: string; port: number }[] }).listeners[0];
      const run = await runSnlw(['device', '-i', 'bs-dev', '-b', `${listener?.host}:${listener?.port}`, '--duration', '1'], {});
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^bs-dev: bootstrap write \/0\/1 -> 2\.04$/m);
      expect(run.stdout).toMatch(/^bs-dev: bootstrap finish -> 2\.04\nbs-dev: registered at 127\.0\.0\.1:\d+ as \/rd\/bs-dev \(lifetime 120 s, LwM2M 1\.1\)$/m);
      expect(run.stdout).toContain('bs-dev: de-registered (2.02)');
    } finally {
      await other.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('many devices with -n register with plain progress lines, and all de-register when stopped', async () => {
    const run = await runSnlw(['device', '-i', 'fleet', '-n', '5', '--duration', '1'], gateway.env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('snlw device: 5 of 5 devices registered\nsnlw device: 5 devices de-registered; 0 requests answered\n');
    await waitFor(
      () => events.filter((e) => (e as Answer).msgType === 'deregister' && String((e as { data: { ep: string } }).data.ep).startsWith('fleet-')).length === 5,
      () => 'five deregister events',
    );
  });

  it('on SIGTERM the device de-registers', async () => {
    device.child.kill('SIGTERM');
    const run = await device.exited;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cli-dev: de-registered (2.02)');
    await waitFor(
      () => events.some((e) => (e as Answer).msgType === 'deregister' && (e as { data: { ep: string } }).data.ep === 'cli-dev'),
      () => 'deregister event',
    );
  });

  it('every gateway log line (not a terminal: JSON) names its component', () => {
    const lines = gateway.output.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const record = JSON.parse(line) as { component?: unknown; msg?: unknown };
      expect(record.component, line).toEqual(expect.any(String));
      expect(String(record.msg), line).not.toMatch(/^(lwm2m|upstream|mqttsn): /);
    }
  });
});
