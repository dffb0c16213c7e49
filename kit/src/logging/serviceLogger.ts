/** The pino subset services use; any pino logger fits (tests may pass a plain object). */
export interface ServiceLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {} };
