import { MsgType } from '../../src/mqttsn/codec/index.js';
import { SnLoadClient } from './load-client.js';
import { connect, disconnect } from './session-steps.js';

/**
 * Resolves once an MQTT-SN gateway answers on host:port: SEARCHGW -> GWINFO (§6.1),
 * or, for gateways that ignore unicast SEARCHGW, CONNECT -> CONNACK then DISCONNECT.
 */
export async function probeMqttSn(host: string, port: number, deadline: number): Promise<void> {
  let attempt = 0;
  while (performance.now() < deadline) {
    const c = await SnLoadClient.open({
      index: 0,
      clientId: `bench-probe-${process.pid}-${attempt}`,
      gatewayHost: host,
      gatewayPort: port,
      localHost: '127.0.0.1',
    });
    const sweep = setInterval(() => c.expire(performance.now()), 20);
    try {
      if (attempt % 2 === 0) {
        await c.request({ type: MsgType.SEARCHGW, radius: 0 }, MsgType.GWINFO, 300);
      } else {
        await connect(c, { keepAliveS: 10, cleanSession: true, timeoutMs: 300 });
        await disconnect(c, 1000).catch(() => undefined);
      }
      return;
    } catch {
      attempt++;
    } finally {
      clearInterval(sweep);
      c.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no MQTT-SN gateway answers on ${host}:${port}`);
}
