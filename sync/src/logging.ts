import { createLogger as createServiceLogger, type LogLevel, type ServiceLogger } from '@m2m/service-kit';
import type { DestinationStream } from 'pino';

/** The pino subset the worker uses; pass any pino logger (or a test double). */
export type Logger = ServiceLogger;

export { silentLogger } from '@m2m/service-kit';

/** The worker logs no bodies; the kit's logger censors credentials wherever they appear all the same. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createServiceLogger({ service: 'm2m-sync', level, ...(destination ? { destination } : {}) });
}
