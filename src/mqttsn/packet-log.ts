import type { Logger } from '../log.js';
import { formatPeer } from '../log.js';
import { msgTypeName } from './codec/msg-type-name.js';
import type { MqttSnPacket } from './codec/types.js';

/** One debug line per packet: type, msgId, topic id — never the payload (that is trace material). */
export function logPacket(
  logger: Logger,
  direction: 'in' | 'out',
  peer: { readonly address: string; readonly port: number; readonly nodeId: Buffer | undefined },
  packet: MqttSnPacket,
): void {
  const fields: Record<string, unknown> = {
    dir: direction,
    peer: formatPeer(peer.address, peer.port),
    type: msgTypeName(packet.type),
  };
  if (peer.nodeId !== undefined) fields['node'] = peer.nodeId.toString('hex');
  if ('msgId' in packet) fields['msgId'] = packet.msgId;
  if ('topicId' in packet) fields['topicId'] = packet.topicId;
  if ('topic' in packet && typeof packet.topic === 'object') {
    fields['topicId'] = 'id' in packet.topic ? packet.topic.id : 'name' in packet.topic ? packet.topic.name : 'reserved';
  }
  if ('returnCode' in packet) fields['rc'] = packet.returnCode;
  if ('qos' in packet) fields['qos'] = packet.qos;
  logger.debug(fields, 'MQTT-SN packet');
}
