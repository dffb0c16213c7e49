import { pino, type DestinationStream, type Logger } from 'pino';
import type { GatewayConfig } from '../config.js';

/**
 * Fields that must never reach a log, wherever they appear. Handlers never
 * log bodies or headers; this is the second line of defence.
 */
const REDACTED_PATHS = [
  'password',
  'accessToken',
  'refreshToken',
  'deviceToken',
  'authorization',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.deviceToken',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
];

export function createLogger(level: GatewayConfig['logLevel'], destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'm2m-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
