import { msgTypeName, type MqttSnPacket, type TopicRef } from '../../mqttsn/codec/index.js';

/** One readable line per packet for `-d`: `PUBLISH msgId=3 qos=1 topic=normal:1025 data="21.5"`. */
export function describePacket(packet: MqttSnPacket): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(packet)) {
    if (key === 'type' || value === undefined) continue;
    if (key === 'message' && typeof value === 'object' && value !== null && 'type' in value) {
      fields.push(`message=(${describePacket(value as MqttSnPacket)})`);
    } else if (key === 'topic' && typeof value === 'object' && value !== null && 'kind' in value) {
      fields.push(`topic=${describeTopicRef(value as TopicRef)}`);
    } else if (Buffer.isBuffer(value)) {
      fields.push(`${key}=${describeBytes(value)}`);
    } else if (key === 'returnCode' && typeof value === 'number') {
      fields.push(`returnCode=0x${value.toString(16).padStart(2, '0')}`);
    } else {
      fields.push(`${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    }
  }
  return [msgTypeName(packet.type), ...fields].join(' ');
}

export function describeTopicRef(ref: TopicRef): string {
  switch (ref.kind) {
    case 'normal':
    case 'predefined':
      return `${ref.kind}:${ref.id}`;
    case 'short':
    case 'name':
      return `${ref.kind}:${JSON.stringify(ref.name)}`;
    case 'reserved':
      return `reserved:${ref.raw.toString('hex')}`;
  }
}

function describeBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const printable = /^[\x20-\x7e]*$/.test(text);
  if (printable) return bytes.length > 64 ? `${JSON.stringify(text.slice(0, 61))}... (${bytes.length} bytes)` : JSON.stringify(text);
  return bytes.length > 32 ? `0x${bytes.subarray(0, 32).toString('hex')}... (${bytes.length} bytes)` : `0x${bytes.toString('hex')}`;
}

/** MQTT-SN v1.2 §5.3.10 return codes in words (0x80 is EMQX's "not authorized"). */
export function returnCodeText(code: number): string {
  switch (code) {
    case 0x00:
      return 'accepted';
    case 0x01:
      return 'rejected: congestion';
    case 0x02:
      return 'rejected: invalid topic id';
    case 0x03:
      return 'rejected: not supported';
    case 0x80:
      return 'rejected: not authorized';
    default:
      return `rejected: return code 0x${code.toString(16).padStart(2, '0')}`;
  }
}
