/** The part of a pino logger the feed readers write to. */
export interface FeedLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
