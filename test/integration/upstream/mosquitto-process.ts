import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { delay, freePort } from './upstream-test-kit.js';

/** A mosquitto broker in its own process, on 127.0.0.1. */
export interface MosquittoProcess {
  readonly process: ChildProcess;
  readonly port: number;
  /** SIGTERM, resolved once it exited. */
  stop(): Promise<void>;
}

/** Resolves true once something accepts TCP connections on the port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts mosquitto on `port` (default: a free one) and waits until it accepts
 * connections; undefined when the binary is missing (see missingTool).
 */
export async function startMosquitto(port?: number): Promise<MosquittoProcess | undefined> {
  const listenPort = port ?? (await freePort());
  const child = spawn('mosquitto', ['-p', String(listenPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return undefined;
  const until = Date.now() + 5000;
  while (!(await accepts(listenPort))) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not start listening on ${listenPort}`);
    }
    await delay(50);
  }
  return {
    process: child,
    port: listenPort,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
