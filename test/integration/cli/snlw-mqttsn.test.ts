import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, runSnlw, spawnSnlw, startGatewayProcess, waitFor, type GatewayProcess } from '../../helpers/gateway-process.js';

/** `snlw pub` / `snlw sub` as child processes against the real gateway and its embedded broker. */

let gateway: GatewayProcess;
let broker: MqttClient;

beforeAll(async () => {
  gateway = await startGatewayProcess();
  broker = await connectAsync(gateway.brokerUrl, { clientId: 'cli-test-observer' });
}, 90_000);

afterAll(async () => {
  await broker?.endAsync();
  await gateway?.stop();
});

function nextMessage(filter: string): Promise<{ topic: string; payload: string; retain: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${filter}`)), 10_000);
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (!topicMatches(filter, topic)) return;
      clearTimeout(timer);
      broker.off('message', onMessage);
      resolve({ topic, payload: payload.toString(), retain: packet.retain });
    };
    broker.on('message', onMessage);
  });
}

function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('snlw pub / sub (MQTT-SN clients)', () => {
  it('publishes a retained QoS 1 message on a registered topic; sub -v -C 1 gets it through a wildcard and exits 0', async () => {
    const pub = await runSnlw(['pub', '-t', 'cli/dev1/temp', '-m', '21.5', '-q', '1', '-r', '-i', 'cli-pub-1'], gateway.env);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    const sub = await runSnlw(['sub', '-t', 'cli/+/temp', '-v', '-C', '1', '-W', '10', '-i', 'cli-sub-1'], gateway.env);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toBe('cli/dev1/temp 21.5\n');
  });

  it('QoS -1 on a short topic needs no connection and reaches the broker; -d shows the packet', async () => {
    await broker.subscribeAsync('q3');
    const arrived = nextMessage('q3');
    const pub = await runSnlw(['pub', '-t', 'q3', '-m', 'no connect', '-q', '-1', '-d'], gateway.env);
    expect(pub.code).toBe(0);
    expect(pub.stderr).toContain('-> PUBLISH dup=false qos=-1 retain=false topic=short:"q3"');
    expect(pub.stderr).not.toContain('CONNECT');
    expect((await arrived).payload).toBe('no connect');
  });

  it('QoS 2 through forwarder encapsulation: every packet goes out and comes back wrapped with the node id', async () => {
    await broker.subscribeAsync('cli/fwd');
    const arrived = nextMessage('cli/fwd');
    const pub = await runSnlw(['pub', '-t', 'cli/fwd', '-m', 'via forwarder', '-q', '2', '--node-id', '0a1b', '-d'], gateway.env);
    expect(pub.code).toBe(0);
    expect(pub.stderr).toMatch(/<- PUBREC msgId=\d+/);
    expect(pub.stderr).toMatch(/<- PUBCOMP msgId=\d+/);
    expect((await arrived).payload).toBe('via forwarder');
  });

  it('-l publishes each stdin line; --count repeats; piped output is one plain summary line', async () => {
    await broker.subscribeAsync('cli/lines');
    const got: string[] = [];
    const collect = (topic: string, payload: Buffer): void => {
      if (topic === 'cli/lines') got.push(payload.toString());
    };
    broker.on('message', collect);
    const lines = await runSnlw(['pub', '-t', 'cli/lines', '-l', '-q', '1'], gateway.env, 'one\ntwo\nthree\n');
    expect(lines.code).toBe(0);
    expect(lines.stderr).toMatch(/^snlw pub cli\/lines: 3 messages, [\d.]+ messages\/s\n$/);
    const repeated = await runSnlw(['pub', '-t', 'cli/lines', '-m', 'again', '--count', '5', '-q', '1'], gateway.env);
    expect(repeated.code).toBe(0);
    expect(repeated.stderr).toMatch(/^snlw pub cli\/lines \[#{24}\] 5\/5 messages, [\d.]+ messages\/s\n$/);
    await waitFor(
      () => got.length >= 8,
      () => `8 messages, got ${JSON.stringify(got)}`,
    );
    broker.off('message', collect);
    expect(got).toEqual(['one', 'two', 'three', 'again', 'again', 'again', 'again', 'again']);
  });

  it('a sleeping subscriber (--sleep) collects a message published while it slept', async () => {
    const sub = spawnSnlw(['sub', '-t', 'cli/sleepy', '-q', '1', '--sleep', '1', '-C', '1', '-W', '15', '-i', 'cli-sleeper', '-d'], gateway.env);
    await waitFor(
      () => sub.output.stderr.includes('<- DISCONNECT'),
      () => `the subscriber to fall asleep: ${sub.output.stderr}`,
    );
    await broker.publishAsync('cli/sleepy', 'while you slept', { qos: 1 });
    const run = await sub.exited;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('while you slept\n');
    expect(run.stderr).toMatch(/-> PINGREQ clientId="cli-sleeper"[\s\S]*<- PUBLISH[\s\S]*<- PINGRESP/);
  });

  it('a will given with --will-* is published when the client is lost', async () => {
    await broker.subscribeAsync('cli/will');
    const arrived = nextMessage('cli/will');
    const sub = spawnSnlw(['sub', '-t', 'cli/nothing', '-k', '1', '--will-topic', 'cli/will', '--will-payload', 'gone', '-i', 'cli-will', '-d'], gateway.env);
    await waitFor(
      () => sub.output.stderr.includes('<- SUBACK'),
      () => `the subscriber to connect: ${sub.output.stderr}`,
    );
    expect(sub.output.stderr).toMatch(/<- WILLTOPICREQ[\s\S]*-> WILLTOPIC qos=0 retain=false topic="cli\/will"[\s\S]*<- WILLMSGREQ[\s\S]*<- CONNACK/);
    // Killed without a DISCONNECT: keepalive 1 s x 1.5 later the gateway publishes the will.
    sub.child.kill('SIGKILL');
    expect((await arrived).payload).toBe('gone');
  });

  it('-W bounds the wait for a gateway that does not answer', async () => {
    const silent = await freeUdpPort();
    const run = await runSnlw(['sub', '-t', 'x', '-W', '1'], { GATEWAY_MQTTSN_BIND: `127.0.0.1:${silent}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('snlw sub: timed out after 1 s (0 messages)\n');
  });

  it('bad usage exits 2 with one line naming the problem', async () => {
    const run = await runSnlw(['pub', '-t', 'a/long/topic', '-m', 'x', '-q', '-1'], gateway.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('snlw pub: QoS -1 needs a short topic name (two characters) or a predefined id (-T ID)\n');
  });
});

describe('snlw pub / sub with predefined topic ids and files', () => {
  it('-T ID publishes and subscribes by predefined id; -f sends a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snlw-predef-'));
    const config = join(dir, 'gateway.json');
    await writeFile(config, JSON.stringify({ mqttsn: { predefined: [{ id: 5, topic: 'pre/five' }] } }));
    const payload = join(dir, 'payload.bin');
    await writeFile(payload, 'from a file');
    const other = await startGatewayProcess(['--config', config]);
    try {
      const sub = spawnSnlw(['sub', '-T', '5', '-C', '2', '-v', '-W', '15', '-d'], other.env);
      await waitFor(
        () => sub.output.stderr.includes('<- SUBACK'),
        () => sub.output.stderr,
      );
      expect((await runSnlw(['pub', '-T', '5', '-m', 'no connect', '-q', '-1'], other.env)).code).toBe(0);
      expect((await runSnlw(['pub', '-T', '5', '-f', payload, '-q', '1'], other.env)).code).toBe(0);
      const run = await sub.exited;
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('predefined:5 no connect\npredefined:5 from a file\n');
    } finally {
      await other.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
