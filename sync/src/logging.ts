import { pino, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

/** The pino subset the worker uses; pass any pino logger (or a test double). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Never logged, wherever they appear (the worker logs no bodies; this is the second line of defence). */
const REDACTED_PATHS = ['authorization', '*.authorization', '*.Authorization', '*.headers.authorization', '*.headers.Authorization'];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'm2m-sync' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
