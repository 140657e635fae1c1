import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/config/resolve.js';
import { loadBootstrapConfigFile } from '../../src/lwm2m/bootstrap/bootstrap-config-file.js';
import { InMemoryProvisionedCredentials } from '../../src/lwm2m/bootstrap/credential-sink.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/log.js';
import { Lwm2mGateway } from '../../src/lwm2m/gateway.js';
import { createModelRegistry } from '../../src/lwm2m/model/registry.js';
import { loadModelDirectory, SHIPPED_XML_DIR } from '../../src/lwm2m/model/xml-loader.js';
import { MqttSnGateway } from '../../src/mqttsn/gateway.js';
import { startTestUpstream } from '../helpers/upstream.js';
import type { FuzzTarget } from './driver.js';

/** The bootstrap server's per-endpoint file: the shipped example (one PSK device and a "*" entry). */
export const FUZZ_BOOTSTRAP_FILE = fileURLToPath(new URL('../../config/bootstrap.example.json', import.meta.url));

/** The fuzz configuration: short CoAP timers so the well-behaved device's exchanges finish quickly; the bootstrap server on. */
export const FUZZ_GATEWAY_CONFIG = {
  mqttsn: { listeners: { udp: { default: { bind: '127.0.0.1:0', max_connections: 500 } } } },
  lwm2m: {
    listeners: { udp: { default: { bind: '127.0.0.1:0' } } },
    coap: { ack_timeout: '500ms', max_retransmit: 4 },
    bootstrap: { config_file: FUZZ_BOOTSTRAP_FILE, listeners: { udp: { default: { bind: '127.0.0.1:0' } } } },
  },
} as const;

/** A full garbage collection (the flag is set at run time, so no special node option is needed). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface InProcessTarget extends FuzzTarget {
  readonly mqttsnGateway: MqttSnGateway;
  readonly lwm2mGateway: Lwm2mGateway;
  readonly errors: unknown[];
  close(): Promise<void>;
}

/**
 * Both protocol gateways in this process on one upstream (the embedded broker,
 * or the broker of TEST_UPSTREAM_URL), as `startGateway` runs them. An
 * uncaught exception or unhandled rejection while they run counts as a crash.
 */
export async function startInProcessTarget(): Promise<InProcessTarget> {
  const config: GatewayConfig = resolveConfig(FUZZ_GATEWAY_CONFIG);
  const upstream = await startTestUpstream();
  // Error-level lines are findings: a handler that threw is caught and logged, not a crash.
  const errorLines: string[] = [];
  const verbose = process.env['FUZZ_LOG'] !== undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      if (/"level":(50|60)/.test(line) && errorLines.length < 100) errorLines.push(line.trim());
      if (verbose) process.stderr.write(line);
      done();
    },
  });
  const logger = createLogger(verbose ? 'warn' : 'error', sink);
  const mqttsnGateway = await MqttSnGateway.start({ config: config.mqttsn, upstream: upstream.connector, logger });
  const { models } = await loadModelDirectory(SHIPPED_XML_DIR);
  const bootstrap = { entries: await loadBootstrapConfigFile(FUZZ_BOOTSTRAP_FILE), credentials: new InMemoryProvisionedCredentials() };
  const lwm2mGateway = await Lwm2mGateway.start({ config: config.lwm2m, upstream: upstream.connector, models: createModelRegistry(models), logger, bootstrap });
  const errors: unknown[] = [];
  const onError = (err: unknown): void => {
    errors.push(err);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  const gc = collectGarbage();
  return {
    mqttsnGateway,
    lwm2mGateway,
    errors,
    mqttsn: { host: '127.0.0.1', port: mqttsnGateway.addresses[0]?.port ?? 0 },
    lwm2m: { host: '127.0.0.1', port: lwm2mGateway.addresses[0]?.port ?? 0 },
    bootstrap: { host: '127.0.0.1', port: lwm2mGateway.bootstrap?.addresses[0]?.port ?? 0 },
    brokerUrl: upstream.url,
    crashed: () => (errors.length > 0 ? String(errors[0]) : undefined),
    errorsLogged: () => errorLines,
    memory: () => {
      gc();
      return process.memoryUsage().heapUsed;
    },
    async close() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
      await mqttsnGateway.close();
      await lwm2mGateway.close();
      await upstream.close();
    },
  };
}
