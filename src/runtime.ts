import { access } from 'node:fs/promises';
import type { GatewayConfig } from './config/types.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
import { Lwm2mGateway } from './lwm2m/gateway.js';
import { loadModelDirectory } from './lwm2m/model/xml-loader.js';
import { createModelRegistry } from './lwm2m/model/registry.js';
import { MqttSnGateway } from './mqttsn/gateway.js';
import { createUpstreamConnector } from './upstream/connector.js';
import type { UpstreamConnector } from './upstream/types.js';

/** Everything one `npm start` runs, started in order and stopped in reverse. */
export interface RunningGateway {
  readonly upstream: UpstreamConnector;
  readonly mqttsn: MqttSnGateway | undefined;
  readonly lwm2m: Lwm2mGateway | undefined;
  /**
   * Ordered shutdown: stop listening and disconnect devices cleanly (both
   * protocols), then flush and close the upstream (embedded broker last).
   */
  close(): Promise<void>;
}

/** `signal` cancels a startup still waiting for an external broker (SIGTERM before it came up). */
export async function startGateway(config: GatewayConfig, logger: Logger, signal?: AbortSignal): Promise<RunningGateway> {
  const upstream = await createUpstreamConnector(config.upstream, logger, signal);
  let mqttsn: MqttSnGateway | undefined;
  let lwm2m: Lwm2mGateway | undefined;
  try {
    if (config.mqttsn.enable) {
      mqttsn = await MqttSnGateway.start({ config: config.mqttsn, upstream, logger: logger.child({ component: 'mqttsn' }) });
    }
    if (config.lwm2m.enable) {
      const models = await loadModels(config.lwm2m.xml_dir, logger);
      lwm2m = await Lwm2mGateway.start({ config: config.lwm2m, upstream, models, logger: logger.child({ component: 'lwm2m' }) });
    }
  } catch (err) {
    await Promise.allSettled([mqttsn?.close(), lwm2m?.close()]);
    await upstream.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    upstream,
    mqttsn,
    lwm2m,
    close(): Promise<void> {
      closing ??= (async () => {
        const results = await Promise.allSettled([mqttsn?.close(), lwm2m?.close()]);
        for (const result of results) {
          if (result.status === 'rejected') logger.error({ err: result.reason }, 'error while stopping a protocol gateway');
        }
        await upstream.close();
      })();
      return closing;
    },
  };
}

async function loadModels(dir: string, logger: Logger): Promise<ReturnType<typeof createModelRegistry>> {
  try {
    await access(dir);
  } catch {
    throw new ConfigError([{ key: 'lwm2m.xml_dir', value: dir, reason: 'directory does not exist or is not readable' }]);
  }
  const { models, problems, warnings } = await loadModelDirectory(dir);
  for (const problem of problems) {
    logger.error({ file: problem.file, reason: problem.reason }, 'object definition not loaded');
  }
  for (const warning of warnings) {
    logger.warn({ file: warning.file, reason: warning.reason }, 'object definition warning');
  }
  logger.info({ dir, objects: models.length, problems: problems.length }, 'LwM2M object definitions loaded');
  return createModelRegistry(models);
}
