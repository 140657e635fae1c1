import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import path from 'node:path';
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
 * connections; undefined when the binary is missing (see missingTool). With
 * `persistenceDir`, sessions and queued messages are saved there on shutdown
 * and restored by the next start with the same directory.
 */
export async function startMosquitto(port?: number, options: { persistenceDir?: string } = {}): Promise<MosquittoProcess | undefined> {
  const listenPort = port ?? (await freePort());
  let args = ['-p', String(listenPort)];
  if (options.persistenceDir !== undefined) {
    // mosquitto started as root drops to the `mosquitto` user, which must be able to write the database.
    chmodSync(options.persistenceDir, 0o777);
    const configFile = path.join(options.persistenceDir, 'mosquitto.conf');
    writeFileSync(
      configFile,
      [`listener ${listenPort} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${options.persistenceDir}/`, ''].join('\n'),
    );
    args = ['-c', configFile];
  }
  const child = spawn('mosquitto', args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
