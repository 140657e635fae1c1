import dgram from 'node:dgram';
import { MsgType } from '../../src/mqttsn/codec/index.js';

/**
 * Baseline: a bare Node.js UDP responder speaking just enough MQTT-SN for the
 * `baseline` scenario (CONNECT, REGISTER, PUBLISH QoS 1/2, PINGREQ, DISCONNECT, SEARCHGW).
 * No sessions, no broker: it shows what one Node.js process can answer on this machine,
 * the ceiling for any gateway written in Node.js.
 *
 * Run standalone: `node --import tsx bench/mqttsn/reference-responder.ts --port 1884`.
 */
export function startReferenceResponder(host: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
  let nextTopicId = 1;
  socket.on('message', (msg, rinfo) => {
    const h = msg[0] === 0x01 ? 3 : 1;
    const type = msg[h];
    let out: Buffer | undefined;
    switch (type) {
      case MsgType.PUBLISH: {
        const flags = msg[h + 1] ?? 0;
        const qos = (flags >> 5) & 0x03;
        if (qos === 1) out = Buffer.from([7, MsgType.PUBACK, msg[h + 2] ?? 0, msg[h + 3] ?? 0, msg[h + 4] ?? 0, msg[h + 5] ?? 0, 0]);
        else if (qos === 2) out = Buffer.from([4, MsgType.PUBREC, msg[h + 4] ?? 0, msg[h + 5] ?? 0]);
        break;
      }
      case MsgType.PUBREL:
        out = Buffer.from([4, MsgType.PUBCOMP, msg[h + 1] ?? 0, msg[h + 2] ?? 0]);
        break;
      case MsgType.CONNECT:
        out = Buffer.from([3, MsgType.CONNACK, 0]);
        break;
      case MsgType.REGISTER: {
        const id = nextTopicId++ & 0xffff || 1;
        out = Buffer.from([7, MsgType.REGACK, id >> 8, id & 0xff, msg[h + 3] ?? 0, msg[h + 4] ?? 0, 0]);
        break;
      }
      case MsgType.PINGREQ:
        out = Buffer.from([2, MsgType.PINGRESP]);
        break;
      case MsgType.DISCONNECT:
        out = Buffer.from([2, MsgType.DISCONNECT]);
        break;
      case MsgType.SEARCHGW:
        out = Buffer.from([3, MsgType.GWINFO, 1]);
        break;
      default:
        break;
    }
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve(socket));
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'));
if (isMain) {
  const portArg = process.argv.indexOf('--port');
  const hostArg = process.argv.indexOf('--host');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 1884;
  const host = hostArg > 0 ? String(process.argv[hostArg + 1]) : '127.0.0.1';
  const socket = await startReferenceResponder(host, port);
  const a = socket.address();
  process.stdout.write(`reference responder on ${a.address}:${a.port}\n`);
}
