import { parseCommand, type JsonObject } from '../lwm2m/bridge/command.js';
import type { Lwm2mGateway } from '../lwm2m/gateway.js';
import type { Registration } from '../lwm2m/registration/registration.js';
import type { GatewayActivity } from './activity.js';

/** How an HTTP command ended, and the HTTP status that says so. */
export type CommandOutcome = { readonly status: 200; readonly body: JsonObject } | { readonly status: 400 | 404 | 409 | 504; readonly body: JsonObject };

/** Finds a device by endpoint name, else by its clientid (EMQX addresses LwM2M clients by clientid). */
export function findRegistration(lwm2m: Lwm2mGateway, id: string): Registration | undefined {
  const direct = lwm2m.store.get(id);
  if (direct !== undefined) return direct;
  for (const reg of lwm2m.store.values()) if (reg.clientId === id) return reg;
  return undefined;
}

/**
 * Runs one command (the EMQX downlink JSON: msgType, data, optional echoed
 * keys) through the device's queue, exactly as one arriving on the command
 * topic, and waits for its final answer, which is also published on the
 * response topic. 200 with the answer when the device answered (whatever its
 * CoAP code), 400 when the gateway refused the command, 409 when the device
 * reset the exchange, 504 when no answer came in time.
 */
export function runCommand(lwm2m: Lwm2mGateway, activity: GatewayActivity, reg: Registration, request: JsonObject, timeoutMs: number): Promise<CommandOutcome> {
  const parsed = parseCommand(Buffer.from(JSON.stringify(request)));
  if (!parsed.ok) {
    const data: JsonObject = { code: '4.00', codeMsg: 'bad_request', reason: parsed.rejected.reason };
    if (parsed.rejected.reqPath !== undefined) data.reqPath = parsed.rejected.reqPath;
    return Promise.resolve({ status: 400, body: { ...parsed.rejected.echo, msgType: parsed.rejected.msgType, data } });
  }
  const command = parsed.command;
  return new Promise<CommandOutcome>((resolve) => {
    const timer = setTimeout(() => {
      cancel();
      resolve({
        status: 504,
        body: { code: 'TIMEOUT', message: `no answer from ${reg.endpoint} within ${timeoutMs} ms; the answer, if any, goes to the response topic` },
      });
    }, timeoutMs);
    const cancel = activity.expect(command, (answer) => {
      clearTimeout(timer);
      const msgType = answer.msgType;
      const data = answer.data as JsonObject | undefined;
      if (msgType === 'coap_timeout') resolve({ status: 504, body: answer });
      else if (msgType === 'coap_reset') resolve({ status: 409, body: answer });
      else if (data !== undefined && data.code === '4.00' && typeof data.reason === 'string') resolve({ status: 400, body: answer });
      else resolve({ status: 200, body: answer });
    });
    lwm2m.bridge.submit(reg, command);
  });
}
