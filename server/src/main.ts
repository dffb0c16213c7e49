#!/usr/bin/env node
import { errorText, exitOnSignals, isEntryPoint, Lifecycle } from '@m2m/service-kit';
import { loadConfig } from './config.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { createLogger } from './http/logger.js';

/**
 * Runs the gateway from the environment until SIGTERM or SIGINT. Returns the
 * running gateway (for embedders and tests).
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningGateway> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  let gateway: RunningGateway | undefined;
  const lifecycle = new Lifecycle({ logger });
  lifecycle.add({
    name: 'the gateway',
    start: async () => {
      gateway = await startGateway(config, { logger });
    },
    stop: async () => gateway?.close(),
    // Long polls and slow uploads hold a stop for up to SHUTDOWN_GRACE_MS: say so rather than hang silently.
    pending: () => {
      const count = gateway?.requestsInFlight() ?? 0;
      return count > 0 ? `${count} request${count === 1 ? '' : 's'} in flight (cut after SHUTDOWN_GRACE_MS=${config.shutdownGraceMs})` : undefined;
    },
  });
  // Installed before start-up: a signal meanwhile stops the gateway once it runs.
  exitOnSignals(() => lifecycle.stop(), logger);
  await lifecycle.start();
  return gateway as RunningGateway;
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    // Configuration and store problems are for a person to fix: the message, not a stack.
    console.error(`m2m gateway: ${errorText(err)}`);
    process.exit(1);
  });
}
