import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSnlw, spawnSnlw, startGatewayProcess, waitFor, type CliProcess, type GatewayProcess } from '../../helpers/gateway-process.js';

/**
 * `snlw device` answering the LwM2M 1.1 composite operations and sending
 * data (POST /dp), driven by `snlw command` and watched with an MQTT client,
 * all against the real gateway.
 */

let gateway: GatewayProcess;
let device: CliProcess;
let broker: MqttClient;

interface Event {
  readonly topic: string;
  readonly msgType: string;
  readonly reqID?: number;
  readonly data: { code?: string; content?: { path: string; value: unknown }[] };
}
const events: Event[] = [];

interface Answer {
  readonly msgType: string;
  readonly data: { code?: string; content?: { path: string; value: unknown }[] };
}

beforeAll(async () => {
  gateway = await startGatewayProcess();
  broker = await connectAsync(gateway.brokerUrl, { clientId: 'cli-composite-observer' });
  await broker.subscribeAsync('lwm2m/#');
  broker.on('message', (topic, payload) => events.push({ topic, ...(JSON.parse(payload.toString()) as Omit<Event, 'topic'>) }));
  device = spawnSnlw(['device', '-i', 'comp-dev', '--send-interval', '1', '--send-format', 'senml+json'], gateway.env);
  await waitFor(
    () => device.output.stdout.includes('registered'),
    () => `the device to register: ${device.output.stdout}${device.output.stderr}`,
    60_000,
  );
}, 90_000);

afterAll(async () => {
  if (device?.child.exitCode === null) {
    device.child.kill('SIGTERM');
    await device.exited;
  }
  await broker?.endAsync();
  await gateway?.stop();
});

async function command(...args: string[]): Promise<Answer[]> {
  const run = await runSnlw(['command', 'comp-dev', ...args], gateway.env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
}

const sends = (): Event[] => events.filter((e) => e.msgType === 'send' && e.topic === 'lwm2m/comp-dev/response');

describe('snlw device: LwM2M 1.1 Send and composite operations', () => {
  it('sends the temperature and battery level (SenML JSON POST /dp) after registering and every second', async () => {
    await waitFor(
      () => sends().length >= 2,
      () => `two send messages: ${JSON.stringify(events)}\n${device.output.stdout}`,
    );
    for (const send of sends().slice(0, 2)) {
      expect(send.data.content).toEqual([
        { path: '/3303/0/5700', value: expect.any(Number) },
        { path: '/3/0/9', value: expect.any(Number) },
      ]);
    }
    expect(device.output.stdout).toContain('comp-dev: send /3303/0/5700 /3/0/9 -> 2.04');
    // The register event comes first (the gateway publishes a Send right behind a Register after it).
    const register = events.findIndex((e) => e.msgType === 'register');
    expect(register).toBeGreaterThanOrEqual(0);
    expect(register).toBeLessThan(events.indexOf(sends()[0]));
  });

  it("read-composite in SenML CBOR (the gateway's default) and SenML JSON, resources and a whole instance", async () => {
    const [cbor] = await command('read-composite', '/3/0/0', '/3303/0/5700');
    expect(cbor).toMatchObject({ msgType: 'read-composite', data: { code: '2.05' } });
    expect(cbor?.data.content).toEqual([
      { path: '/3/0/0', value: 'snlw' },
      { path: '/3303/0/5700', value: expect.any(Number) },
    ]);
    expect(device.output.stdout).toContain('comp-dev: read-composite /3/0/0 /3303/0/5700 -> 2.05 (SenML CBOR)');
    const [json] = await command('read-composite', '/3/0', '/1/0/1', '-F', 'senml+json');
    expect(json?.data.content).toContainEqual({ path: '/3/0/2', value: 'comp-dev' });
    expect(json?.data.content).toContainEqual({ path: '/3/0/11/0', value: 0 });
    expect(json?.data.content).toContainEqual({ path: '/1/0/1', value: 300 });
    expect(device.output.stdout).toContain('comp-dev: read-composite /3/0 /1/0/1 -> 2.05 (SenML JSON)');
  });

  it('read-composite of paths the device does not have: 4.04, exit 1', async () => {
    const run = await runSnlw(['command', 'comp-dev', 'read-composite', '/3/0/4242', '/4/0'], gateway.env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ msgType: 'read-composite', data: { code: '4.04' } });
  });

  it('write-composite (types from the object definitions) in both formats, read back; a read-only resource refuses all', async () => {
    expect((await command('write-composite', '/3/0/14=+03:00', '/1/0/1=120', '-F', 'senml+cbor'))[0]?.data.code).toBe('2.04');
    expect(device.output.stdout).toContain('comp-dev: write-composite /3/0/14="+03:00" /1/0/1=120 -> 2.04');
    expect((await command('write-composite', '/1/0/6=false', '-F', 'senml+json'))[0]?.data.code).toBe('2.04');
    const [back] = await command('read-composite', '/3/0/14', '/1/0/1', '/1/0/6');
    expect(back?.data.content).toEqual([
      { path: '/3/0/14', value: '+03:00' },
      { path: '/1/0/1', value: 120 },
      { path: '/1/0/6', value: false },
    ]);
    const refused = await runSnlw(['command', 'comp-dev', 'write-composite', '/3/0/14=+04:00', '/3/0/0=x'], gateway.env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ msgType: 'write-composite', data: { code: '4.05' } });
    expect((await command('read-composite', '/3/0/14'))[0]?.data.content).toEqual([{ path: '/3/0/14', value: '+03:00' }]);
  });

  it('observe-composite: the answer and notifications per pmax with every value, then the cancel (-C 2)', async () => {
    expect((await command('write-attr', '/3/0/9', 'pmin=0', 'pmax=1'))[0]?.data.code).toBe('2.04');
    const answers = await command('observe-composite', '/3/0/9', '/3/0/2', '-C', '2', '-F', 'senml+json');
    expect(answers.map((a) => a.msgType)).toEqual(['observe-composite', 'notify', 'notify']);
    for (const a of answers)
      expect(a.data.content).toEqual([
        { path: '/3/0/9', value: expect.any(Number) },
        { path: '/3/0/2', value: 'comp-dev' },
      ]);
    await waitFor(
      () => device.output.stdout.includes('comp-dev: cancel observe-composite /3/0/9 /3/0/2 -> 2.05 (SenML JSON)'),
      () => device.output.stdout,
    );
    expect(device.output.stdout).toContain('comp-dev: notify composite /3/0/9 /3/0/2');
  });

  it('cancel-observe-composite from another command (paths in any order) ends the observation on the device', async () => {
    const observer = spawnSnlw(['command', 'comp-dev', 'observe-composite', '/3/0/9', '/3303/0/5700'], gateway.env);
    try {
      await waitFor(
        () => observer.output.stdout.includes('"msgType":"notify"'),
        () => observer.output.stdout + observer.output.stderr,
        30_000,
      );
      const [cancel] = await command('cancel-observe-composite', '/3303/0/5700', '/3/0/9');
      expect(cancel).toMatchObject({ msgType: 'cancel-observe-composite', data: { code: '2.05' } });
      expect(cancel?.data.content?.map((e) => e.path)).toEqual(['/3303/0/5700', '/3/0/9']);
      const log = (): string => device.output.stdout;
      const cancelled = log().indexOf('comp-dev: cancel observe-composite /3303/0/5700 /3/0/9 -> 2.05');
      expect(cancelled).toBeGreaterThan(0);
      // Two more Sends (one a second) span more than pmax (1 s): no notification came after the cancel.
      const sent = sends().length;
      await waitFor(
        () => sends().length >= sent + 2,
        () => 'two more sends',
      );
      expect(log().indexOf('notify composite /3/0/9 /3303/0/5700', cancelled)).toBe(-1);
    } finally {
      observer.child.kill('SIGKILL');
      await observer.exited;
    }
  });

  it('snlw command checks composite arguments; --send-interval needs LwM2M 1.1 or later', async () => {
    const badPath = await runSnlw(['command', 'comp-dev', 'read-composite', '/3/0/x'], gateway.env);
    expect(badPath.code).toBe(2);
    expect(badPath.stderr).toContain('invalid path "/3/0/x"');
    const badFormat = await runSnlw(['command', 'comp-dev', 'read-composite', '/3/0/0', '-F', 'tlv'], gateway.env);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be senml+json or senml+cbor, got "tlv"');
    const old = await runSnlw(['device', '-i', 'old-dev', '--lwm2m', '1.0', '--send-interval', '5'], gateway.env);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('--send-interval needs --lwm2m 1.1 or 1.2');
  });
});
