import { MsgType } from '../../../src/mqttsn/codec/index.js';
import { LatencyHistogram } from '../../common/histogram.js';
import { connectBroker } from '../../common/mqtt-side.js';
import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond } from '../../common/time.js';
import { SnClientPool } from '../client-pool.js';
import { receiveDownlink } from '../downlink-receiver.js';
import { connect, disconnect, disconnectAll, subscribe } from '../session-steps.js';

/**
 * MQTT-SN v1.2 §6.14 sleeping clients: subscribe, DISCONNECT(duration); per cycle the
 * broker publishes K messages (buffered by the gateway), then every client wakes with
 * PINGREQ(ClientId), receives and acks the buffered messages, and gets PINGRESP
 * (which puts it back to sleep).
 */
export const sleepWakeScenario: Scenario = {
  name: 'sleep-wake',
  summary: 'clients subscribe and sleep; the broker publishes; clients wake with PINGREQ, get the buffered messages, ack them, get PINGRESP',
  target: 'mqttsn',
  options: {
    clients: { type: 'number', default: 200, help: 'sleeping clients, one UDP socket each' },
    messages: { type: 'number', default: 5, help: 'messages published per cycle while the clients sleep (<= the gateway sleep buffer)' },
    qos: { type: 'number', default: 1, help: 'subscription and publish QoS (0, 1, 2)' },
    cycles: { type: 'number', default: 3, help: 'sleep / publish / wake cycles' },
    'sleep-duration': { type: 'number', default: 120, help: 'DISCONNECT duration field, seconds' },
    settle: { type: 'number', default: 500, help: 'ms between the last broker publish and the wake-up' },
    keepalive: { type: 'number', default: 300, help: 'CONNECT keepalive, seconds' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms to wait for CONNACK / SUBACK / DISCONNECT / PINGRESP' },
    'setup-concurrency': { type: 'number', default: 500, help: 'clients in a setup step at once' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('clients');
    const k = o.num('messages');
    const qos = o.num('qos') as 0 | 1 | 2;
    const topic = `bench/${ctx.runTag}/sleep`;
    const timeoutMs = o.num('request-timeout');
    const pool = await SnClientPool.open({
      count: n,
      idPrefix: `w${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    const publisher = await connectBroker(ctx.brokerUrl, `bench-pub-${ctx.runTag}`);
    const notes: string[] = ['latency = PINGREQ(ClientId) to PINGRESP, buffered messages delivered and acked in between'];
    try {
      const conn = await pool.phaseLimited((c) => connect(c, { keepAliveS: o.num('keepalive'), cleanSession: true, timeoutMs }), o.num('setup-concurrency'));
      const subs = await pool.phaseLimited((c) => subscribe(c, topic, qos, timeoutMs), o.num('setup-concurrency'));
      let sleepers = pool.clients.filter((c) => c.topicId !== 0);
      const asleep = await pool.phase((c) => disconnect(c, timeoutMs, o.num('sleep-duration')), sleepers);
      ctx.log(`setup: ${conn.ok}/${n} connected, ${subs.ok} subscribed, ${asleep.ok} asleep`);
      if (asleep.ok === 0) throw new Error(`no client went to sleep: ${conn.firstError ?? subs.firstError ?? asleep.firstError}`);
      if (asleep.failed > 0) notes.push(`${asleep.failed} clients did not get DISCONNECT for their sleep request (${asleep.firstError})`);

      const wake = new LatencyHistogram();
      const counts = new Uint32Array(n);
      for (const c of sleepers) receiveDownlink(c, () => void counts[c.index]++);
      let published = 0;
      let wakeMs = 0;
      let wakeFailures = 0;
      let firstWakeError: string | undefined;
      let cycles = 0;
      const payload = Buffer.alloc(16, 0x63);
      for (let cycle = 0; cycle < o.num('cycles') && performance.now() < ctx.deadline - 5000; cycle++) {
        for (let i = 0; i < k; i++) {
          await publisher.publishAsync(topic, payload, { qos });
          published++;
        }
        await delay(o.num('settle'));
        const t0 = performance.now();
        const woke = await pool.phase((c) => {
          const sent = performance.now();
          return c.request({ type: MsgType.PINGREQ, clientId: c.clientId }, MsgType.PINGRESP, timeoutMs).then(() => wake.recordSince(sent, performance.now()));
        }, sleepers);
        wakeMs += performance.now() - t0;
        wakeFailures += woke.failed;
        firstWakeError ??= woke.firstError;
        cycles++;
      }
      const expected = published * sleepers.length;
      let received = 0;
      for (const c of sleepers) received += counts[c.index] ?? 0;
      sleepers = [];
      await disconnectAll(pool.clients, 3000);
      return {
        durationMs: Math.round(wakeMs),
        sent: expected,
        received,
        lost: Math.max(0, expected - received),
        messagesPerSecond: perSecond(received, wakeMs),
        latencyMs: wake.summary(),
        failed: wakeFailures,
        extra: { sleepingClients: asleep.ok, cycles, publishedPerCycle: k, wakeUpsPerSecond: perSecond(wake.count, wakeMs), firstWakeError },
        notes: [...notes, 'sent = broker messages x sleeping clients; messages/s = buffered deliveries per second of wake-up time'],
      };
    } finally {
      await publisher.endAsync(true).catch(() => undefined);
      pool.close();
    }
  },
};
