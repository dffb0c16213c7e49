import type { ServiceLogger } from '../logging/serviceLogger.js';
import type { Lifecycle } from './lifecycle.js';
import { onShutdownSignal, type ShutdownSignalOptions } from './signals.js';

export interface RunServiceOptions extends ShutdownSignalOptions {
  /** Also stops the service when this settles (a fatal error inside it). */
  until?: Promise<unknown>;
}

/**
 * Starts the lifecycle and runs it until the first SIGTERM or SIGINT (or
 * `until`), then stops it and resolves; a signal during start-up stops it as
 * soon as the component starting is up. A second signal exits at once.
 * Rejects when a start fails (what started is stopped first).
 */
export async function runService(lifecycle: Lifecycle, logger: ServiceLogger, options: RunServiceOptions = {}): Promise<void> {
  const { until = new Promise<never>(() => {}), ...signalOptions } = options;
  const signal = onShutdownSignal(logger, signalOptions);
  const stopped = Promise.race([signal.received, until.catch(() => {})]).then(() => lifecycle.stop());
  try {
    await lifecycle.start();
    await stopped;
  } finally {
    signal.dispose();
  }
}
