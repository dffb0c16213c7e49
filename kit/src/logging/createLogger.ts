import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../env/envSchemas.js';

/** Credentials that must never reach a log, wherever they appear: the second line of defence behind handlers that log no headers. */
const ALWAYS_REDACTED = ['authorization', '*.authorization', '*.Authorization', '*.headers.authorization', '*.headers.Authorization'];

export interface LoggerOptions {
  /** The `service` field of every line, e.g. m2m-gateway. */
  service: string;
  level: LogLevel;
  /** More paths to censor, in pino's redact syntax. */
  redact?: readonly string[];
  /** Default: stdout. */
  destination?: DestinationStream;
}

/** One JSON line per record on stdout (or `destination`), secrets censored. */
export function createLogger({ service, level, redact = [], destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service },
    redact: { paths: [...new Set([...ALWAYS_REDACTED, ...redact])], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
