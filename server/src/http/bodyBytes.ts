import type { IncomingMessage } from 'node:http';

const BODY_BYTES = Symbol('bodyBytes');

/**
 * For body-parser's `verify` option: keeps the bytes a JSON body was parsed
 * from (inflated), so a proxy can forward them instead of serialising the
 * parsed value again.
 */
export function keepBodyBytes(req: IncomingMessage, _res: unknown, bytes: Buffer): void {
  (req as IncomingMessage & { [BODY_BYTES]?: Buffer })[BODY_BYTES] = bytes;
}

/** The bytes `keepBodyBytes` kept for this request, if any. */
export function bodyBytesOf(req: IncomingMessage): Buffer | undefined {
  return (req as IncomingMessage & { [BODY_BYTES]?: Buffer })[BODY_BYTES];
}
