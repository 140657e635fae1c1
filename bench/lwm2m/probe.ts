import dgram from 'node:dgram';
import { generate, parse } from 'coap-packet';

/** Resolves once a CoAP endpoint answers a CoAP ping (empty CON -> RST, RFC 7252 §4.3). */
export async function probeCoap(host: string, port: number, deadline: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.on('error', () => undefined);
  try {
    let messageId = 1;
    while (performance.now() < deadline) {
      const id = messageId++;
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          resolve(false);
        }, 300);
        const onMessage = (msg: Buffer): void => {
          try {
            const p = parse(msg);
            if (p.messageId !== id) return;
          } catch {
            return;
          }
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve(true);
        };
        socket.on('message', onMessage);
        socket.send(generate({ confirmable: true, code: '0.00', messageId: id }), port, host);
      });
      if (answered) return;
    }
    throw new Error(`no CoAP endpoint answers on ${host}:${port}`);
  } finally {
    socket.close();
  }
}
