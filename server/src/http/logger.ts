import { createLogger as createServiceLogger, type LogLevel } from '@m2m/service-kit';
import type { DestinationStream, Logger } from 'pino';

/**
 * Fields that must never reach a log, wherever they appear. Handlers never
 * log bodies or headers; this is the second line of defence (the kit's
 * logger adds the authorization headers).
 */
const REDACTED_PATHS = [
  'password',
  'accessToken',
  'refreshToken',
  'deviceToken',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.deviceToken',
  '*.headers.cookie',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return createServiceLogger({ service: 'm2m-gateway', level, redact: REDACTED_PATHS, ...(destination ? { destination } : {}) });
}
