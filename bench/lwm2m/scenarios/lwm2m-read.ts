import { LatencyHistogram } from '../../common/histogram.js';
import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond, waitForCount } from '../../common/time.js';
import { SimDevicePool } from '../device-pool.js';
import { CommandSide, commandOptions, peekResponse } from '../command-side.js';
import { pace } from '../pacer.js';

/**
 * Devices register and answer Reads with TLV; an MQTT client sends `read` commands at a
 * target rate (round robin over the devices) and times each answer on the response topic.
 */
export const lwm2mReadScenario: Scenario = {
  name: 'lwm2m-read',
  summary: 'MQTT read commands at a target rate; devices answer with TLV; p50/p99 command-to-response latency',
  target: 'lwm2m',
  options: {
    devices: { type: 'number', default: 100, help: 'simulated devices, one UDP socket each' },
    rate: { type: 'number', default: 1000, help: 'read commands per second (over all devices)' },
    duration: { type: 'number', default: 10, help: 'seconds of commands (ignored when --count is set)' },
    count: { type: 'number', default: 0, help: 'total commands; 0 = rate x duration' },
    path: { type: 'string', default: '/3/0/0', help: 'path read (TLV answer built from the device object)' },
    drain: { type: 'number', default: 3000, help: 'ms without a new response before counting stops' },
    lifetime: { type: 'number', default: 3600, help: 'registration lifetime, seconds' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms a device waits for 2.01 during setup' },
    ...commandOptions,
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('devices');
    const total = o.num('count') > 0 ? o.num('count') : Math.ceil(o.num('rate') * o.num('duration'));
    const sentAt = new Float64Array(total + 1);
    const answered = new Uint8Array(total + 1);
    const hist = new LatencyHistogram();
    let received = 0;
    let errors = 0;
    let lastAt = 0;
    let firstErrorCode: string | undefined;
    const pool = await SimDevicePool.open({
      count: n,
      endpointPrefix: `d${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    let side: CommandSide | undefined;
    try {
      const reg = await pool.phase((d) => d.register(o.num('lifetime'), '</1/0>,</3/0>', o.num('request-timeout')), 500);
      const devices = pool.devices.filter((d) => d.location.length > 0);
      if (devices.length === 0) throw new Error(`no device registered: ${reg.firstError}`);
      side = await CommandSide.start(
        ctx.brokerUrl,
        `bench-cmd-${ctx.runTag}`,
        o.str('command-topic'),
        o.str('response-topic'),
        o.num('mqtt-qos') as 0 | 1,
        (_topic, payload) => {
          const r = peekResponse(payload);
          if (r.msgType !== 'read' || r.reqID === undefined || r.reqID > total || answered[r.reqID]) return;
          answered[r.reqID] = 1;
          const now = performance.now();
          received++;
          lastAt = now;
          if (r.code !== '2.05') {
            errors++;
            firstErrorCode ??= r.code;
          }
          hist.recordSince(sentAt[r.reqID], now);
        },
      );
      ctx.log(`${devices.length}/${n} devices registered; sending ${total} reads at ${o.num('rate')}/s`);
      // The gateway subscribes each device's command topic at registration; let that settle.
      await delay(500);
      const path = o.str('path');
      const data = { path };
      const start = performance.now();
      const sent = await pace(total, o.num('rate'), ctx.deadline - 5000, (i) => {
        const reqID = i + 1;
        sentAt[reqID] = performance.now();
        side!.send(devices[i % devices.length].endpoint, reqID, 'read', data);
      });
      const sendMs = performance.now() - start;
      await waitForCount(() => received, sent, o.num('drain'), ctx.deadline - 2000);
      await pool.phase((d) => d.deregister(5000), 500, devices);
      return {
        durationMs: Math.round(sendMs),
        sent,
        received,
        lost: sent - received,
        messagesPerSecond: perSecond(received, (lastAt || performance.now()) - start),
        latencyMs: hist.summary(),
        failed: errors,
        extra: {
          registeredDevices: devices.length,
          offeredPerSecond: perSecond(sent, sendMs),
          devicesAnsweredReads: pool.devices.reduce((a, d) => a + d.reads, 0),
          firstErrorCode,
        },
        notes: [
          'latency = MQTT command published to its response received (broker -> gateway -> CoAP device -> gateway -> broker)',
          'failed = responses with a code other than 2.05',
        ],
      };
    } finally {
      await side?.close();
      pool.close();
    }
  },
};
