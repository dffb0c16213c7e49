#!/usr/bin/env node
import { errorText, exitOnSignals, exitWithCode, isEntryPoint, Lifecycle } from '@m2m/service-kit';
import { runInviteClinician } from './care/inviteCommand.js';
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

const USAGE = `Usage: m2m-gateway [command]

Commands:
  (none)                       Run the gateway.
  invite-clinician [--days N]  Print a single-use invitation to register one clinician account.
  help                         This text.

Configuration comes from the environment (server/README.md).`;

if (isEntryPoint(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'invite-clinician') {
    exitWithCode('m2m-gateway', () => runInviteClinician(rest, process.env, process));
  } else if (command !== undefined) {
    const help = command === 'help' || command === '--help' || command === '-h';
    (help ? process.stdout : process.stderr).write(`${help ? '' : `m2m-gateway: unknown command ${command}\n\n`}${USAGE}\n`);
    process.exit(help ? 0 : 2);
  } else {
    main().catch((err: unknown) => {
      // Configuration and store problems are for a person to fix: the message, not a stack.
      console.error(`m2m gateway: ${errorText(err)}`);
      process.exit(1);
    });
  }
}
