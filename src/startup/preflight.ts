import { createSocket } from 'node:dgram';
import { access, constants, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { applyEnvOverrides } from '../config/env-overrides.js';
import type { GatewayConfig } from '../config/types.js';
import { StartupError, type ConfigProblem } from '../errors.js';
import { parseBind } from '../transport/bind.js';
import type { ListenersConfig } from '../config/types.js';

/**
 * Checks what the configuration names outside itself before anything is
 * bound: the object definition directory, certificate files, and every port
 * (a UDP listener, bootstrap listeners included, the HTTP listener or the embedded broker's TCP
 * port that is in use, or an address this machine does not have). All problems are reported together
 * as one StartupError (exit code 2), each naming the key (or the environment
 * variable that set it) and the value.
 *
 * Returns the configuration with certificate file paths replaced by the PEM
 * text read from them.
 */
export async function preflight(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const origins = applyEnvOverrides({}, env).origins;
  const problems: ConfigProblem[] = [];
  const add = (key: string, value: unknown, reason: string): void => {
    problems.push({ key: keyWithOrigin(key, origins), value, reason });
  };

  if (config.lwm2m.enable) await checkDirectory('lwm2m.xml_dir', config.lwm2m.xml_dir, add);
  const tls = await readCertificates(config, add);

  const probes: Promise<void>[] = [];
  // Plain and DTLS listeners alike bind a UDP port.
  const udp = (section: string, listeners: ListenersConfig): void => {
    for (const kind of ['udp', 'dtls'] as const) {
      for (const [name, listener] of Object.entries(listeners[kind])) {
        const key = `${section}.listeners.${kind}.${name}.bind`;
        probes.push(probeUdp(listener.bind).then((reason) => (reason === undefined ? undefined : add(key, listener.bind, reason))));
      }
    }
  };
  if (config.mqttsn.enable) udp('mqttsn', config.mqttsn.listeners);
  if (config.lwm2m.enable) udp('lwm2m', config.lwm2m.listeners);
  const bootstrap = config.lwm2m.bootstrap;
  if (config.lwm2m.enable && bootstrap !== undefined && bootstrap.config_file !== '') udp('lwm2m.bootstrap', bootstrap.listeners);
  if (config.http.bind !== '') {
    const text = config.http.bind;
    probes.push(probeTcp(text).then((reason) => (reason === undefined ? undefined : add('http.bind', text, reason))));
  }
  if (config.upstream.client.server === '' && config.upstream.embedded.bind !== '') {
    const text = config.upstream.embedded.bind;
    probes.push(probeTcp(text).then((reason) => (reason === undefined ? undefined : add('upstream.embedded.bind', text, reason))));
  }
  await Promise.all(probes);
  if (problems.length > 0) throw new StartupError(problems);
  if (tls === undefined) return config;
  return { ...config, upstream: { ...config.upstream, client: { ...config.upstream.client, tlsConfig: tls } } };
}

type Add = (key: string, value: unknown, reason: string) => void;

function keyWithOrigin(key: string, origins: ReadonlyMap<string, string>): string {
  for (const [origin, description] of origins) {
    if (key === origin || key.startsWith(`${origin}.`)) return `${key} (${description})`;
  }
  return key;
}

async function checkDirectory(key: string, dir: string, add: Add): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return add(key, dir, 'is not a directory');
    await access(dir, constants.R_OK | constants.X_OK);
  } catch (err) {
    add(key, dir, `directory cannot be read (${errorCode(err)})`);
  }
}

const PEM_KEYS = ['caFilePEM', 'certFilePEM', 'keyFilePEM'] as const;

/**
 * `upstream.client.tlsConfig.*PEM` hold PEM text, or the path of a PEM file
 * (relative to the working directory), read here once.
 */
async function readCertificates(config: GatewayConfig, add: Add): Promise<NonNullable<GatewayConfig['upstream']['client']['tlsConfig']> | undefined> {
  const tls = config.upstream.client.tlsConfig;
  if (tls === undefined) return undefined;
  const out: Record<string, unknown> = { ...tls };
  let changed = false;
  for (const name of PEM_KEYS) {
    const value = tls[name];
    if (value === undefined || value === '' || value.includes('-----BEGIN')) continue;
    const key = `upstream.client.tlsConfig.${name}`;
    const path = resolve(value.trim());
    try {
      const text = await readFile(path, 'utf8');
      if (!text.includes('-----BEGIN')) add(key, value, 'file is not PEM (no -----BEGIN line)');
      out[name] = text;
      changed = true;
    } catch (err) {
      add(key, value, `certificate file cannot be read (${errorCode(err)})`);
    }
  }
  return changed ? (out as unknown as NonNullable<GatewayConfig['upstream']['client']['tlsConfig']>) : undefined;
}

/** Binds and closes a UDP socket; returns why it failed, or undefined. */
async function probeUdp(text: string): Promise<string | undefined> {
  const bind = parseBind(text);
  if (bind === undefined || bind.port === 0) return undefined;
  const socket = createSocket({ type: bind.host.includes(':') ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((done, fail) => {
      socket.once('error', fail);
      socket.bind(bind.port, bind.host, () => done());
    });
    return undefined;
  } catch (err) {
    return bindFailure(err);
  } finally {
    await new Promise<void>((done) => {
      try {
        socket.close(() => done());
      } catch {
        done();
      }
    });
  }
}

async function probeTcp(text: string): Promise<string | undefined> {
  const bind = parseBind(text);
  if (bind === undefined || bind.port === 0) return undefined;
  const server = createServer();
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen({ host: bind.host, port: bind.port, exclusive: true }, () => done());
    });
    return undefined;
  } catch (err) {
    return bindFailure(err);
  } finally {
    await new Promise<void>((done) => (server.listening ? server.close(() => done()) : done()));
  }
}

function bindFailure(err: unknown): string {
  switch (errorCode(err)) {
    case 'EADDRINUSE':
      return 'address already in use (EADDRINUSE): another process listens there';
    case 'EACCES':
      return 'permission denied (EACCES): ports below 1024 need privileges';
    case 'EADDRNOTAVAIL':
      return 'this machine has no such address (EADDRNOTAVAIL)';
    default:
      return `cannot bind (${errorCode(err)})`;
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}
