import { MsgType } from '../../src/mqttsn/codec/index.js';
import type { SnLoadClient } from './load-client.js';

/**
 * Receives gateway-to-client PUBLISHes (§6.13) on a load client and acknowledges them:
 * QoS 1 -> PUBACK, QoS 2 -> PUBREC, then PUBREL -> PUBCOMP. `onData` sees the payload
 * (a view into the datagram) once per PUBLISH; `onOther` gets every other datagram.
 */
export function receiveDownlink(c: SnLoadClient, onData: (data: Buffer, qos: number) => void, onOther?: (msg: Buffer, type: number) => void): void {
  c.onDatagram = (msg: Buffer): void => {
    const h = msg[0] === 0x01 ? 3 : 1;
    const type = msg[h] ?? -1;
    if (type === MsgType.PUBLISH && msg.length >= h + 6) {
      // §5.4.12 PUBLISH: Flags, TopicId(2), MsgId(2), Data.
      const flags = msg[h + 1] ?? 0;
      const qos = (flags >> 5) & 0x03;
      if (qos === 1) {
        c.send(Buffer.from([7, MsgType.PUBACK, msg[h + 2] ?? 0, msg[h + 3] ?? 0, msg[h + 4] ?? 0, msg[h + 5] ?? 0, 0]));
      } else if (qos === 2) {
        c.send(Buffer.from([4, MsgType.PUBREC, msg[h + 4] ?? 0, msg[h + 5] ?? 0]));
      }
      onData(msg.subarray(h + 6), qos === 3 ? -1 : qos);
      return;
    }
    if (type === MsgType.PUBREL && msg.length >= h + 3) {
      c.send(Buffer.from([4, MsgType.PUBCOMP, msg[h + 1] ?? 0, msg[h + 2] ?? 0]));
      return;
    }
    onOther?.(msg, type);
  };
}
