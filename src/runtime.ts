import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayConfig } from './config/types.js';
import { ConfigError } from './errors.js';
import type { Logger } from './log.js';
import { loadBootstrapConfigFile } from './lwm2m/bootstrap/bootstrap-config-file.js';
import { InMemoryProvisionedCredentials } from './lwm2m/bootstrap/credential-sink.js';
import { Lwm2mGateway } from './lwm2m/gateway.js';
import { loadModelDirectory } from './lwm2m/model/xml-loader.js';
import { createModelRegistry } from './lwm2m/model/registry.js';
import { MqttSnGateway } from './mqttsn/gateway.js';
import { PskStore } from './security/psk-store.js';
import { loadPskFile, reloadPskFile } from './security/psk-loading.js';
import { createUpstreamConnector } from './upstream/connector.js';
import { packageRoot } from './config/package-root.js';
import { GatewayActivity } from './http/activity.js';
import { startHttpServer, type RunningHttp } from './http/server.js';
import { createGatewayMetrics } from './metrics/gateway-metrics.js';
import { startStatsLog } from './metrics/stats-log.js';
import type { UpstreamConnector } from './upstream/types.js';

/** Everything one `npm start` runs, started in order and stopped in reverse. */
export interface RunningGateway {
  readonly upstream: UpstreamConnector;
  readonly mqttsn: MqttSnGateway | undefined;
  readonly lwm2m: Lwm2mGateway | undefined;
  /** The HTTP listener (API, metrics, health, dashboard); undefined when http.bind is "". */
  readonly http: RunningHttp | undefined;
  /** What the HTTP layer observes of both gateways. */
  readonly activity: GatewayActivity;
  /** The PSK credentials both gateways check (the bootstrap server adds provisioned devices with `add`). */
  readonly credentials: PskStore;
  /** Re-reads psk_authentication.init_file (SIGHUP); sessions are not touched, the next handshake uses the new keys. */
  reloadCredentials(): Promise<void>;
  /** PSK credentials the LwM2M bootstrap server provisioned (identity -> key, endpoint). */
  readonly provisionedCredentials: InMemoryProvisionedCredentials;
  /**
   * Reads the LwM2M bootstrap configuration file again (SIGHUP). A bad file
   * changes nothing: the ConfigError is thrown and the old configurations stay.
   */
  reloadBootstrap(): Promise<void>;
  /**
   * Ordered shutdown: stop listening and disconnect devices cleanly (both
   * protocols), then flush and close the upstream (embedded broker last).
   */
  close(): Promise<void>;
}

/** `signal` cancels a startup still waiting for an external broker (SIGTERM before it came up). */
export async function startGateway(config: GatewayConfig, logger: Logger, signal?: AbortSignal): Promise<RunningGateway> {
  const credentials = new PskStore();
  await loadPskFile(credentials, config.psk_authentication, logger);
  // Object definitions and the bootstrap file first: either one bad stops startup before any port is
  // bound (exit 2 as any bad config).
  const models = config.lwm2m.enable ? await loadModels(config.lwm2m.xml_dir, logger.child({ component: 'lwm2m' })) : undefined;
  const bootstrapFile = config.lwm2m.enable ? (config.lwm2m.bootstrap?.config_file ?? '') : '';
  const bootstrapEntries = bootstrapFile === '' ? undefined : await loadBootstrapConfigFile(bootstrapFile);
  const provisionedCredentials = new InMemoryProvisionedCredentials();
  // Credentials the bootstrap server provisions are kept for inspection and go into the store the DTLS listeners use.
  const provisionedSink = {
    add(identity: string, key: Buffer, endpoint: string): void {
      provisionedCredentials.add(identity, key, endpoint);
      try {
        credentials.add(identity, key, endpoint);
      } catch (err) {
        logger.warn({ identity, endpoint, reason: (err as Error).message }, 'provisioned PSK not usable by the DTLS listeners');
      }
    },
  };
  const upstream = await createUpstreamConnector(config.upstream, logger, signal);
  let mqttsn: MqttSnGateway | undefined;
  let lwm2m: Lwm2mGateway | undefined;
  let http: RunningHttp | undefined;
  const activity = new GatewayActivity();
  const startedAt = Date.now();
  try {
    if (config.mqttsn.enable) {
      mqttsn = await MqttSnGateway.start({ config: config.mqttsn, upstream, credentials, logger: logger.child({ component: 'mqttsn' }) });
    }
    if (models !== undefined) {
      lwm2m = await Lwm2mGateway.start({
        config: config.lwm2m,
        upstream,
        models,
        credentials,
        logger: logger.child({ component: 'lwm2m' }),
        reconnect: { maxReconnectIntervalMs: config.upstream.client.maxReconnectInterval, offlineQueue: config.upstream.client.messageChannelDepth },
        bootstrap: bootstrapEntries === undefined ? undefined : { entries: bootstrapEntries, credentials: provisionedSink },
      });
    }
    mqttsn?.observe(activity);
    lwm2m?.observe(activity);
    if (config.http.bind.trim() !== '') {
      const version = await packageVersion();
      const metrics = createGatewayMetrics({ version, mqttsn, lwm2m, upstream, activity });
      http = await startHttpServer({ config, version, startedAt, mqttsn, lwm2m, upstream, activity, metrics, logger: logger.child({ component: 'http' }) });
    }
  } catch (err) {
    await Promise.allSettled([mqttsn?.close(), lwm2m?.close()]);
    await upstream.close();
    throw err;
  }

  const stopStats = startStatsLog({ intervalMs: config.log.stats_interval, logger: logger.child({ component: 'main' }), mqttsn, lwm2m, upstream });
  let closing: Promise<void> | undefined;
  return {
    upstream,
    mqttsn,
    lwm2m,
    http,
    activity,
    credentials,
    reloadCredentials: () => reloadPskFile(credentials, config.psk_authentication, logger),
    provisionedCredentials,
    async reloadBootstrap(): Promise<void> {
      const bootstrap = lwm2m?.bootstrap;
      if (bootstrap === undefined) return;
      bootstrap.replaceEntries(await loadBootstrapConfigFile(bootstrapFile));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        stopStats();
        await http?.close().catch((err: unknown) => logger.child({ component: 'http' }).error({ err }, 'error while stopping the HTTP listener'));
        const results = await Promise.allSettled([mqttsn?.close(), lwm2m?.close()]);
        for (const result of results) {
          if (result.status === 'rejected') logger.child({ component: 'main' }).error({ err: result.reason }, 'error while stopping a protocol gateway');
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

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
