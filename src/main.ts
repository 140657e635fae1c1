#!/usr/bin/env node
/**
 * Command-line entry: load and validate the configuration, start the
 * gateway, and shut down in order on SIGINT / SIGTERM.
 *
 * Exit codes: 0 normal shutdown, 1 runtime failure, 2 bad configuration.
 */
import { parseCliArgs, helpText } from './config/cli.js';
import { loadConfig } from './config/load.js';
import { formatConfig } from './config/print-config.js';
import type { GatewayConfig } from './config/types.js';
import { ConfigError, StartupError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { startGateway, type RunningGateway } from './runtime.js';
import { preflight } from './startup/preflight.js';

const EXIT_RUNTIME_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;
/** A shutdown that hangs (a broker that never answers) must not keep the process alive forever. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(argv: readonly string[]): Promise<void> {
  let config: GatewayConfig;
  try {
    const cli = parseCliArgs(argv);
    if (cli.help) {
      process.stdout.write(helpText());
      return;
    }
    config = await loadConfig({ argv, env: process.env });
    if (cli.printConfig) {
      process.stdout.write(`${formatConfig(config)}\n`);
      return;
    }
    // Nothing is bound before everything the config names outside itself is checked.
    config = await preflight(config);
  } catch (err) {
    reportFatal(err);
    process.exitCode = err instanceof ConfigError ? EXIT_BAD_CONFIG : EXIT_RUNTIME_FAILURE;
    return;
  }

  const root = createLogger(config.log.level, config.log.format === 'auto' ? {} : { pretty: config.log.format === 'pretty' });
  const logger = root.child({ component: 'main' });
  // A signal during startup (e.g. while waiting for an external broker) ends it cleanly.
  const startup = new AbortController();
  const cancelStartup = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down during startup');
    startup.abort();
  };
  process.once('SIGINT', cancelStartup);
  process.once('SIGTERM', cancelStartup);
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, root, startup.signal);
  } catch (err) {
    if (startup.signal.aborted) {
      logger.info('stopped');
      logger.flush();
      return;
    }
    if (err instanceof ConfigError) {
      reportFatal(err);
      process.exitCode = EXIT_BAD_CONFIG;
    } else {
      logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'gateway failed to start');
      reportFatal(err);
      process.exitCode = EXIT_RUNTIME_FAILURE;
    }
    return;
  } finally {
    process.off('SIGINT', cancelStartup);
    process.off('SIGTERM', cancelStartup);
  }
  if (startup.signal.aborted) {
    await gateway.close();
    logger.info('stopped');
    logger.flush();
    return;
  }
  logger.info(
    {
      upstream: gateway.upstream.description,
      mqttsn: gateway.mqttsn?.addresses,
      lwm2m: gateway.lwm2m?.addresses,
      lwm2mBootstrap: gateway.lwm2m?.bootstrap?.addresses,
      http: gateway.http?.address,
    },
    'gateway running',
  );
  installShutdown(gateway, logger);
  installReload(gateway, logger);
}

/**
 * SIGHUP: read psk_authentication.init_file again (established DTLS sessions stay up) and the
 * LwM2M bootstrap configuration file; a bad file is reported and changes nothing.
 */
function installReload(gateway: RunningGateway, logger: Logger): void {
  process.on('SIGHUP', () => {
    void gateway.reloadCredentials();
    gateway.reloadBootstrap().catch((err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      logger.error({ problems: text.split('\n') }, 'bootstrap configuration not reloaded; the previous one stays');
    });
  });
}

function installShutdown(gateway: RunningGateway, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting immediately');
      process.exit(EXIT_RUNTIME_FAILURE);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(EXIT_RUNTIME_FAILURE);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    gateway.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exitCode = 0;
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        logger.flush();
        process.exitCode = EXIT_RUNTIME_FAILURE;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function reportFatal(err: unknown): void {
  const text = err instanceof Error ? err.message : String(err);
  // A StartupError is one self-contained line per problem; each gets the program name.
  const lines = err instanceof StartupError ? text.split('\n') : [text];
  for (const line of lines) process.stderr.write(`snlw-gateway: ${line}\n`);
}

await main(process.argv.slice(2));
