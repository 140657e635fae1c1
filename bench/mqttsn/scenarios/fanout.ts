import { LatencyHistogram } from '../../common/histogram.js';
import { connectBroker } from '../../common/mqtt-side.js';
import type { Scenario } from '../../common/scenario.js';
import { perSecond, waitUntil } from '../../common/time.js';
import { SnClientPool } from '../client-pool.js';
import { receiveDownlink } from '../downlink-receiver.js';
import { connect, disconnectAll, subscribe } from '../session-steps.js';

/**
 * N clients SUBSCRIBE to one topic; one MQTT.js publisher on the broker publishes K
 * messages, each after the previous one reached every client (or --message-timeout).
 * Per message: time from publish until the last client got it.
 */
export const fanoutScenario: Scenario = {
  name: 'fanout',
  summary: 'N clients subscribe to one topic; a broker publisher sends K messages; time until every client got each',
  target: 'mqttsn',
  options: {
    clients: { type: 'number', default: 1000, help: 'subscribed clients, one UDP socket each' },
    messages: { type: 'number', default: 10, help: 'messages published (K)' },
    qos: { type: 'number', default: 0, help: 'subscription and publish QoS (0, 1, 2)' },
    'payload-size': { type: 'number', default: 16, help: 'payload bytes (>= 4: a sequence number leads)' },
    'message-timeout': { type: 'number', default: 5000, help: 'ms to wait for one message to reach every client' },
    interval: { type: 'number', default: 0, help: 'ms between publishes; 0 = publish the next once the previous reached everyone' },
    keepalive: { type: 'number', default: 300, help: 'CONNECT keepalive, seconds' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms to wait for CONNACK / SUBACK during setup' },
    'setup-concurrency': { type: 'number', default: 500, help: 'clients connecting / subscribing at once during setup' },
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('clients');
    const k = o.num('messages');
    const qos = o.num('qos') as 0 | 1 | 2;
    const topic = `bench/${ctx.runTag}/fanout`;
    const timeoutMs = o.num('request-timeout');
    const pool = await SnClientPool.open({
      count: n,
      idPrefix: `f${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    const publisher = await connectBroker(ctx.brokerUrl, `bench-pub-${ctx.runTag}`);
    try {
      const conn = await pool.phaseLimited((c) => connect(c, { keepAliveS: o.num('keepalive'), cleanSession: true, timeoutMs }), o.num('setup-concurrency'));
      const subs = await pool.phaseLimited((c) => subscribe(c, topic, qos, timeoutMs), o.num('setup-concurrency'));
      const subscribed = pool.clients.filter((c) => c.topicId !== 0);
      ctx.log(`setup: ${conn.ok}/${n} connected, ${subs.ok} subscribed`);
      if (subscribed.length === 0) throw new Error(`no client subscribed: ${conn.firstError ?? subs.firstError}`);

      const publishedAt = new Float64Array(k);
      const got = new Uint32Array(k);
      const perDelivery = new LatencyHistogram();
      const toAll = new LatencyHistogram();
      let received = 0;
      let duplicates = 0;
      const seen = subscribed.map(() => new Uint8Array(k));
      subscribed.forEach((c, i) => {
        const mine = seen[i] as Uint8Array;
        receiveDownlink(c, (data) => {
          if (data.length < 4) return;
          const seq = data.readUInt32BE(0);
          if (seq >= k) return;
          if (mine[seq]) {
            duplicates++;
            return;
          }
          mine[seq] = 1;
          const now = performance.now();
          received++;
          perDelivery.recordSince(publishedAt[seq], now);
          if (++got[seq] === subscribed.length) toAll.recordSince(publishedAt[seq], now);
        });
      });

      const payload = Buffer.alloc(Math.max(4, o.num('payload-size')), 0x62);
      const start = performance.now();
      let published = 0;
      for (let seq = 0; seq < k && performance.now() < ctx.deadline - 3000; seq++) {
        payload.writeUInt32BE(seq, 0);
        publishedAt[seq] = performance.now();
        await publisher.publishAsync(topic, Buffer.from(payload), { qos });
        published++;
        if (o.num('interval') > 0) await new Promise((r) => setTimeout(r, o.num('interval')));
        else await waitUntil(() => got[seq] === subscribed.length, Math.min(ctx.deadline - 3000, performance.now() + o.num('message-timeout')), 1);
      }
      await waitUntil(() => received === published * subscribed.length, Math.min(ctx.deadline - 2000, performance.now() + o.num('message-timeout')), 5);
      const elapsed = performance.now() - start;
      const expected = published * subscribed.length;
      await disconnectAll(pool.clients, 3000);
      return {
        durationMs: Math.round(elapsed),
        sent: expected,
        received,
        lost: expected - received,
        messagesPerSecond: perSecond(received, elapsed),
        latencyMs: perDelivery.summary(),
        extra: {
          subscribedClients: subscribed.length,
          published,
          messagesReachingAll: toAll.count,
          timeToAllMs: toAll.summary(),
          duplicates,
        },
        notes: [
          'latency = broker publish to each client delivery; timeToAllMs = publish to the last client, per message',
          'sent = published x subscribed clients',
        ],
      };
    } finally {
      await publisher.endAsync(true).catch(() => undefined);
      pool.close();
    }
  },
};
