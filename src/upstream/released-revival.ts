import type { MqttClient, Packet } from 'mqtt';
import type { FileStore } from './file-store.js';

/**
 * Makes `client` publish again, as new messages, the QoS 2 messages whose
 * PUBREL is stored when a CONNACK says the broker has no session for it
 * (session present 0, MQTT 3.1.1 §3.2.2.2): MQTT.js would re-send the PUBREL,
 * the broker answer PUBCOMP for an id it does not know, and the publish count
 * as delivered while the broker had lost it with the session. `store` must be
 * the client's outgoing store. MQTT.js emits `packetreceive` before it handles
 * the CONNACK and reads the store, so the PUBLISH is what it re-sends.
 */
export function reviveReleasedOnNewSession(client: MqttClient, store: FileStore): void {
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd !== 'connack' || packet.sessionPresent) return;
    if ((packet.returnCode ?? packet.reasonCode ?? 0) !== 0) return;
    store.reviveReleased();
  });
}
