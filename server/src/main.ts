#!/usr/bin/env node
import { loadConfig } from './config.js';
import { exitOnSignals, isEntryPoint } from './entryPoint.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { createLogger } from './http/logger.js';

/**
 * Runs the gateway from the environment until SIGTERM or SIGINT. Returns the
 * running gateway (for embedders and tests).
 */
export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningGateway> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, { logger });

  exitOnSignals(() => gateway.close(), logger);
  return gateway;
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    // Configuration and store problems are for a person to fix: the message, not a stack.
    console.error(`m2m gateway: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
