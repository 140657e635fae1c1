import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type Packet } from 'mqtt';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeServer, type MappedClientOptions } from './client-options.js';
import { ReconnectBackoff } from './reconnect-backoff.js';

export interface BrokerWaitOptions {
  readonly mapped: MappedClientOptions;
  /** paho `ConnectRetry`: true = keep trying (backoff, one warning per attempt); false = fail at the first failure. */
  readonly connectRetry: boolean;
  /** Backoff cap (`maxReconnectInterval`), ms. */
  readonly maxIntervalMs: number;
  readonly logger: Logger;
  /** Aborts the wait (SIGTERM during startup). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Waits until the external broker answers an MQTT CONNECT. Any CONNACK counts,
 * also a refusal (MQTT 3.1.1 §3.2.2.3): the broker is up, and a refusal of the
 * gateway's own credentials is for the sessions to report. A gateway started
 * before its broker (e.g. in one docker compose file) thus waits instead of
 * exiting. Each failed attempt logs one warning with the delay before the next.
 */
export async function waitForBroker(options: BrokerWaitOptions): Promise<void> {
  const server = describeServer(options.mapped.brokerUrl);
  const backoff = new ReconnectBackoff(options.maxIntervalMs);
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(options.signal);
    const failure = await probeBroker(options.mapped, options.signal);
    if (failure === undefined) {
      if (attempt > 1) options.logger.info({ server, attempts: attempt }, 'broker reachable');
      return;
    }
    throwIfAborted(options.signal);
    if (!options.connectRetry) {
      throw new GatewayError('GW_ERR_UPSTREAM', `upstream: cannot reach the broker at ${server}: ${failure} (upstream.client.connectRetry is false)`);
    }
    const retryInMs = backoff.next();
    options.logger.warn({ server, attempt, err: failure, retryInMs }, 'broker not reachable yet; waiting for it');
    await sleep(retryInMs, options.signal);
  }
}

/** One CONNECT attempt; resolves undefined when a CONNACK came back, else why not. */
function probeBroker(mapped: MappedClientOptions, signal: AbortSignal | undefined): Promise<string | undefined> {
  const clientOptions: IClientOptions = {
    ...mapped.options,
    clientId: `gw-probe-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 0,
  };
  if (mapped.options.wsOptions !== undefined) clientOptions.wsOptions = { ...mapped.options.wsOptions };
  return new Promise((resolve) => {
    const client = connect(mapped.brokerUrl, clientOptions);
    let lastError: string | undefined;
    let settled = false;
    const finish = (result: string | undefined): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (result === undefined && client.connected) {
        // A clean DISCONNECT: the broker forgets the probe before the real connections arrive.
        client.end(false, () => resolve(undefined));
        return;
      }
      client.end(true);
      resolve(result);
    };
    const onAbort = (): void => finish('aborted');
    signal?.addEventListener('abort', onAbort);
    client.on('connect', () => finish(undefined));
    client.on('packetreceive', (packet: Packet) => {
      // A refusing CONNACK: the broker is up; the sessions report their own refusals.
      if (packet.cmd === 'connack' && (packet.returnCode ?? packet.reasonCode ?? 0) !== 0) finish(undefined);
    });
    client.on('error', (error) => {
      lastError = error.message;
    });
    client.on('close', () => finish(lastError ?? 'connection closed'));
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new GatewayError('GW_ERR_CLOSED', 'startup cancelled while waiting for the broker');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
