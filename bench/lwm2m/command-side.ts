import type { MqttClient } from 'mqtt';
import { connectBroker } from '../common/mqtt-side.js';

/**
 * The MQTT side of the LwM2M scenarios: sends EMQX-style JSON commands
 * (`{"reqID", "msgType", "data"}`) to each device's command topic and hands every
 * message on the response filter to `onMessage`.
 */
export class CommandSide {
  readonly #client: MqttClient;
  readonly #commandTopic: string;
  readonly #qos: 0 | 1;

  private constructor(client: MqttClient, commandTopic: string, qos: 0 | 1) {
    this.#client = client;
    this.#commandTopic = commandTopic;
    this.#qos = qos;
  }

  /** `commandTopic` contains `{ep}`, replaced by the endpoint name. */
  static async start(
    url: string,
    clientId: string,
    commandTopic: string,
    responseFilter: string | string[],
    qos: 0 | 1,
    onMessage: (topic: string, payload: Buffer) => void,
  ): Promise<CommandSide> {
    const client = await connectBroker(url, clientId);
    client.on('message', onMessage);
    await client.subscribeAsync(responseFilter, { qos });
    return new CommandSide(client, commandTopic, qos);
  }

  send(endpoint: string, reqID: number, msgType: string, data: Record<string, unknown>): void {
    this.#client.publish(this.#commandTopic.replace('{ep}', endpoint), JSON.stringify({ reqID, msgType, data }), { qos: this.#qos });
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true).catch(() => undefined);
  }
}

/** Options shared by the scenarios that talk to devices through MQTT. */
export const commandOptions = {
  'command-topic': { type: 'string', default: 'lwm2m/{ep}/command', help: 'command topic; {ep} = endpoint name (EMQX docs setup: lwm2m/{ep}/dn/dm)' },
  'response-topic': { type: 'string', default: 'lwm2m/+/response', help: 'subscription for responses and notifications (EMQX docs setup: lwm2m/+/up/#)' },
  'mqtt-qos': { type: 'number', default: 0, help: 'QoS of commands and of the response subscription (0 or 1)' },
} as const;

/** Reads `"reqID":<n>` and `"msgType":"<t>"` without a full JSON parse when possible. */
export function peekResponse(payload: Buffer): { reqID: number | undefined; msgType: string | undefined; code: string | undefined } {
  const text = payload.toString('utf8');
  const req = /"reqID"\s*:\s*(\d+)/.exec(text);
  const type = /"msgType"\s*:\s*"([^"]*)"/.exec(text);
  const code = /"code"\s*:\s*"([^"]*)"/.exec(text);
  return { reqID: req ? Number(req[1]) : undefined, msgType: type?.[1], code: code?.[1] };
}
