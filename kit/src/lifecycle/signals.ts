import type { ServiceLogger } from '../logging/serviceLogger.js';

export interface ShutdownSignal {
  /** Resolves with the first SIGTERM or SIGINT. */
  readonly received: Promise<NodeJS.Signals>;
  /** Stops listening (a command that ends on its own). */
  dispose(): void;
}

export interface ShutdownSignalOptions {
  /** Logged at the first signal. */
  message?: string;
  /** Exit code of the second signal, which exits at once. */
  secondExitCode?: number;
}

/**
 * The one signal handler of a service: the first SIGTERM or SIGINT resolves
 * `received` (the service then stops gracefully); a second exits at once.
 * Install it before starting, so a signal during start-up is not lost.
 */
export function onShutdownSignal(logger: ServiceLogger, options: ShutdownSignalOptions = {}): ShutdownSignal {
  const { message = 'shutting down', secondExitCode = 1 } = options;
  let signalled = false;
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((done) => (resolve = done));
  const handler = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(secondExitCode);
    }
    signalled = true;
    logger.info({ signal }, message);
    resolve(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    received,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

/** Runs `stop` at the first SIGTERM or SIGINT and exits 0 (1 when it fails); a second signal exits at once. */
export function exitOnSignals(stop: () => Promise<void>, logger: ServiceLogger, options: ShutdownSignalOptions = {}): void {
  void onShutdownSignal(logger, options)
    .received.then(stop)
    .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
}
