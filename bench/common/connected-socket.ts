import dgram, { type Socket } from 'node:dgram';

/**
 * A UDP socket bound to `localHost:0` and connected to the gateway, as each
 * simulated device uses: connected sockets let the kernel filter replies and
 * make sends cheaper (no address per datagram).
 */
export async function openConnectedSocket(localHost: string, gatewayHost: string, gatewayPort: number): Promise<Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, localHost, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(gatewayPort, gatewayHost, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}
