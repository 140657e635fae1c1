import type { Scenario } from '../../common/scenario.js';
import { delay, perSecond, waitForCount, waitUntil } from '../../common/time.js';
import { SimDevicePool } from '../device-pool.js';
import { CommandSide, commandOptions, peekResponse } from '../command-side.js';
import { pace } from '../pacer.js';

/**
 * Devices register; an MQTT `observe` command per device sets up an observation
 * (RFC 7641); then the devices send NON notifications at a target total rate and
 * the MQTT side counts what the gateway forwards (msgType "notify").
 */
export const lwm2mNotifyScenario: Scenario = {
  name: 'lwm2m-notify',
  summary: 'devices are observed, then send notifications at a target rate; notifications reaching MQTT per second',
  target: 'lwm2m',
  options: {
    devices: { type: 'number', default: 1000, help: 'simulated devices, one UDP socket each' },
    rate: { type: 'number', default: 20000, help: 'notifications per second over all devices; 0 = as fast as possible' },
    duration: { type: 'number', default: 10, help: 'seconds of notifications (ignored when --count is set)' },
    count: { type: 'number', default: 0, help: 'total notifications; 0 = rate x duration' },
    path: { type: 'string', default: '/3/0/13', help: 'observed path' },
    'notify-topic': { type: 'string', default: '', help: 'subscription for notifications if not --response-topic (EMQX docs setup: lwm2m/+/up/notify)' },
    drain: { type: 'number', default: 3000, help: 'ms without a new notification before counting stops' },
    lifetime: { type: 'number', default: 3600, help: 'registration lifetime, seconds' },
    'observe-rate': { type: 'number', default: 2000, help: 'observe commands per second during setup' },
    'request-timeout': { type: 'number', default: 10000, help: 'ms for registrations and observations during setup' },
    ...commandOptions,
  },
  async run(ctx) {
    const o = ctx.options;
    const n = o.num('devices');
    const path = o.str('path');
    let notified = 0;
    let observeAnswers = 0;
    let lastAt = 0;
    const pool = await SimDevicePool.open({
      count: n,
      endpointPrefix: `o${ctx.runTag}-`,
      gatewayHost: ctx.target.host,
      gatewayPort: ctx.target.port,
      localHosts: o.num('local-hosts'),
    });
    let side: CommandSide | undefined;
    try {
      const reg = await pool.phase((d) => d.register(o.num('lifetime'), '</1/0>,</3/0>', o.num('request-timeout')), 500);
      const devices = pool.devices.filter((d) => d.location.length > 0);
      if (devices.length === 0) throw new Error(`no device registered: ${reg.firstError}`);
      const filter = o.str('notify-topic') ? [o.str('response-topic'), o.str('notify-topic')] : o.str('response-topic');
      side = await CommandSide.start(ctx.brokerUrl, `bench-obs-${ctx.runTag}`, o.str('command-topic'), filter, o.num('mqtt-qos') as 0 | 1, (_t, payload) => {
        // Cheap check first: this runs for every forwarded notification.
        if (payload.includes('"notify"')) {
          notified++;
          lastAt = performance.now();
          return;
        }
        if (peekResponse(payload).msgType === 'observe') observeAnswers++;
      });
      await delay(500);
      const cmd = side;
      await pace(devices.length, o.num('observe-rate'), ctx.deadline - 10_000, (i) => cmd.send(devices[i].endpoint, i + 1, 'observe', { path }));
      const observedAt = Math.min(ctx.deadline - 8000, performance.now() + o.num('request-timeout'));
      await waitUntil(() => devices.every((d) => d.observations.size > 0), observedAt, 20);
      const observed = devices.filter((d) => d.observations.size > 0);
      ctx.log(`${devices.length}/${n} registered, ${observed.length} observed (${observeAnswers} observe answers on MQTT)`);
      if (observed.length === 0) throw new Error('no device was observed');
      await delay(200);
      const before = notified;
      const total = o.num('count') > 0 ? o.num('count') : Math.ceil(o.num('rate') * o.num('duration'));
      const start = performance.now();
      let sent = 0;
      await pace(total, o.num('rate'), ctx.deadline - 5000, (i) => {
        sent += observed[i % observed.length].notify();
      });
      const sendMs = performance.now() - start;
      await waitForCount(() => notified - before, sent, o.num('drain'), ctx.deadline - 2000);
      const received = notified - before;
      await pool.phase((d) => d.deregister(5000), 500, devices);
      return {
        durationMs: Math.round(sendMs),
        sent,
        received,
        lost: Math.max(0, sent - received),
        messagesPerSecond: perSecond(received, (lastAt || performance.now()) - start),
        extra: { registeredDevices: devices.length, observedDevices: observed.length, offeredPerSecond: perSecond(sent, sendMs) },
        notes: [
          'notifications are NON 2.05 with an increasing Observe value; messages/s = notifications reaching MQTT per second (first sent to last received)',
        ],
      };
    } finally {
      await side?.close();
      pool.close();
    }
  },
};
