import { MsgType } from '../../src/mqttsn/codec/index.js';
import { mutateBytes, wildName, type Random } from './random.js';

/**
 * Seeded MQTT-SN v1.2 datagrams for fuzzing: every message type with plausible
 * and hostile field values (names from a small pool so sessions stay bounded,
 * wild names, invalid UTF-8), then framing abuse (§5.2.1 one- and three-octet
 * Length lies, §5.5 forwarder encapsulation with bad or nested headers) and
 * byte-level mutations. Built as raw octets so anything can be expressed.
 */

/** Client ids the fuzz peers use: state stays bounded by this pool, whatever the mutations. */
export const SN_CLIENT_POOL: readonly string[] = Array.from({ length: 24 }, (_, i) => `fz${i}`);
const TOPIC_POOL = ['fz/a', 'fz/b/c', 'fz', 'ab', 'fz/+', 'fz/#', '#', '+/x', 'fz/long/' + 'x'.repeat(60)];

const ALL_TYPES: readonly number[] = Object.values(MsgType).filter((t) => t !== MsgType.ENCAPSULATED);
/** What a client sends most: weighted so that sessions get far enough for the later messages to matter. */
const CLIENT_TYPES: readonly number[] = [
  MsgType.CONNECT,
  MsgType.CONNECT,
  MsgType.CONNECT,
  MsgType.WILLTOPIC,
  MsgType.WILLMSG,
  MsgType.REGISTER,
  MsgType.REGISTER,
  MsgType.PUBLISH,
  MsgType.PUBLISH,
  MsgType.PUBLISH,
  MsgType.PUBACK,
  MsgType.PUBREC,
  MsgType.PUBREL,
  MsgType.PUBCOMP,
  MsgType.SUBSCRIBE,
  MsgType.SUBSCRIBE,
  MsgType.UNSUBSCRIBE,
  MsgType.PINGREQ,
  MsgType.DISCONNECT,
  MsgType.WILLTOPICUPD,
  MsgType.WILLMSGUPD,
  MsgType.SEARCHGW,
  MsgType.REGACK,
];

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value & 0xffff);
  return b;
}

/** §5.2.1 framing: one-octet Length up to 255, else 0x01 + two octets. */
export function frame(type: number, body: Buffer, longForm = false): Buffer {
  const short = 2 + body.length;
  if (!longForm && short <= 0xff) return Buffer.concat([Buffer.from([short, type]), body]);
  const total = 4 + body.length;
  return Buffer.concat([Buffer.from([0x01, (total >> 8) & 0xff, total & 0xff, type]), body]);
}

function topicIdFlags(rand: Random): { flags: number; field: Buffer } {
  const kind = rand.int(10);
  if (kind < 5) return { flags: 0b00, field: u16(rand.chance(0.8) ? rand.range(1, 6) : rand.int(0x10000)) };
  if (kind < 7) return { flags: 0b01, field: u16(rand.chance(0.5) ? rand.range(1, 3) : rand.int(0x10000)) };
  if (kind < 9) return { flags: 0b10, field: rand.chance(0.7) ? Buffer.from(rand.pick(['ab', 'fz', '+#', '#', 'a\u0000'])).subarray(0, 2) : rand.bytes(2) };
  return { flags: 0b11, field: rand.bytes(2) };
}

function qosBits(rand: Random): number {
  return rand.pick([0, 0x20, 0x20, 0x40, 0x60]);
}

function name(rand: Random, pool: readonly string[]): Buffer {
  return rand.chance(0.75) ? Buffer.from(rand.pick(pool)) : wildName(rand, pool);
}

/** One well-formed (or nearly: the fields may be hostile) message body for `type`. */
function body(rand: Random, type: number): Buffer {
  const msgId = (): Buffer => u16(rand.chance(0.5) ? rand.range(1, 20) : rand.int(0x10000));
  switch (type) {
    case MsgType.ADVERTISE:
      return Buffer.concat([Buffer.from([rand.int(256)]), u16(rand.int(0x10000))]);
    case MsgType.SEARCHGW:
      return Buffer.from([rand.int(256)]);
    case MsgType.GWINFO:
      return Buffer.concat([Buffer.from([rand.int(256)]), rand.bytes(rand.length(20))]);
    case MsgType.CONNECT: {
      const flags = (rand.chance(0.3) ? 0x08 : 0) | (rand.chance(0.6) ? 0x04 : 0) | (rand.chance(0.05) ? rand.int(256) : 0);
      const protocolId = rand.chance(0.9) ? 0x01 : rand.int(256);
      const duration = rand.pick([0, 1, 5, 30, 60, 0xffff, rand.int(0x10000)]);
      const clientId = rand.chance(0.05) ? Buffer.alloc(0) : name(rand, SN_CLIENT_POOL);
      return Buffer.concat([Buffer.from([flags, protocolId]), u16(duration), clientId]);
    }
    case MsgType.WILLTOPIC:
    case MsgType.WILLTOPICUPD:
      return rand.chance(0.1) ? Buffer.alloc(0) : Buffer.concat([Buffer.from([qosBits(rand) | (rand.chance(0.3) ? 0x10 : 0)]), name(rand, TOPIC_POOL)]);
    case MsgType.WILLMSG:
    case MsgType.WILLMSGUPD:
      return rand.bytes(rand.length(64));
    case MsgType.REGISTER:
      return Buffer.concat([u16(rand.chance(0.9) ? 0 : rand.int(0x10000)), msgId(), name(rand, TOPIC_POOL)]);
    case MsgType.REGACK:
    case MsgType.PUBACK:
      return Buffer.concat([u16(rand.range(0, 8)), msgId(), Buffer.from([rand.pick([0, 0, 1, 2, 3, 0x80, rand.int(256)])])]);
    case MsgType.PUBLISH: {
      const topic = topicIdFlags(rand);
      const flags = (rand.chance(0.1) ? 0x80 : 0) | qosBits(rand) | (rand.chance(0.1) ? 0x10 : 0) | topic.flags;
      return Buffer.concat([Buffer.from([flags]), topic.field, msgId(), rand.bytes(rand.length(80))]);
    }
    case MsgType.PUBREC:
    case MsgType.PUBREL:
    case MsgType.PUBCOMP:
    case MsgType.UNSUBACK:
      return msgId();
    case MsgType.SUBSCRIBE:
    case MsgType.UNSUBSCRIBE: {
      const named = rand.chance(0.6);
      const topic = named ? { flags: 0b00, field: name(rand, TOPIC_POOL) } : topicIdFlags(rand);
      const flags = (type === MsgType.SUBSCRIBE ? qosBits(rand) | (rand.chance(0.1) ? 0x80 : 0) : 0) | topic.flags;
      return Buffer.concat([Buffer.from([flags]), msgId(), topic.field]);
    }
    case MsgType.SUBACK:
      return Buffer.concat([Buffer.from([qosBits(rand)]), u16(rand.int(8)), msgId(), Buffer.from([rand.int(4)])]);
    case MsgType.PINGREQ:
      return rand.chance(0.5) ? Buffer.alloc(0) : name(rand, SN_CLIENT_POOL);
    case MsgType.DISCONNECT:
      return rand.chance(0.5) ? Buffer.alloc(0) : u16(rand.pick([0, 1, 2, 30, 0xffff, rand.int(0x10000)]));
    case MsgType.CONNACK:
    case MsgType.WILLTOPICRESP:
    case MsgType.WILLMSGRESP:
      return Buffer.from([rand.int(256)]);
    default:
      return rand.chance(0.5) ? Buffer.alloc(0) : rand.bytes(rand.length(16));
  }
}

/** §5.5: a forwarder encapsulation header around `inner` (radius, node id of 0-8 octets). */
function encapsulate(rand: Random, inner: Buffer): Buffer {
  const nodeId = rand.bytes(rand.int(9));
  const header = Buffer.concat([Buffer.from([3 + nodeId.length, 0xfe, rand.chance(0.8) ? rand.int(4) : rand.int(256)]), nodeId]);
  if (rand.chance(0.15)) header[0] = rand.int(256); // a lying encapsulation Length
  return Buffer.concat([header, inner]);
}

/** One fuzz datagram. */
export function mqttSnDatagram(rand: Random): Buffer {
  const style = rand.int(100);
  if (style < 6) return rand.bytes(rand.length(300)); // pure noise
  const type = rand.chance(0.85) ? rand.pick(CLIENT_TYPES) : rand.chance(0.8) ? rand.pick(ALL_TYPES) : rand.int(256);
  let datagram = frame(type, body(rand, type), rand.chance(0.05));
  if (style < 16) {
    // Length lies: the one-octet form, or the three-octet form (§5.2.1) claiming anything.
    datagram = Buffer.from(datagram);
    if (datagram[0] === 0x01) datagram.writeUInt16BE(rand.pick([0, 1, 3, 4, datagram.length - 1, datagram.length + 1, rand.int(0x10000)]), 1);
    else datagram[0] = rand.pick([0, 1, 2, datagram.length - 1, datagram.length + 1, 0xff, rand.int(256)]);
  }
  if (style >= 16 && style < 28) {
    datagram = encapsulate(rand, datagram);
    if (rand.chance(0.2)) datagram = encapsulate(rand, datagram); // nested: refused (§5.5)
  }
  if (style >= 28 && style < 55) datagram = mutateBytes(rand, datagram);
  return datagram;
}
