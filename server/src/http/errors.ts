import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { requestLogger } from './requestLogging.js';
import { requestIdOf } from './requestId.js';
import { describeBodyError } from './bodyErrors.js';
import { describeStoreError, isStoreUnavailable, storeStatus } from '@m2m/couch';

/** An error a handler throws to answer with a CouchDB-style JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${reason}`);
    this.name = 'HttpError';
  }
}

/** Sends `{error, reason, requestId}` with the given status. */
export function sendError(res: Response, status: number, error: string, reason: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ error, reason, requestId: requestIdOf(res) }));
}

export function notFound(): RequestHandler {
  return (req, res) => sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
}

/** What body-parser's errors mean for the client. */
function bodyParserError(err: unknown): HttpError | undefined {
  const problem = describeBodyError(err);
  return problem && new HttpError(problem.status, problem.error, problem.reason);
}

/** Last handler: every error becomes a JSON body with the request id; only unexpected ones are logged as errors. */
/**
 * What of an error goes into a log: its kind, message, status and stack,
 * never the request a store client attaches, whose body may hold a password
 * hash or a token.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const status = storeStatus(err) ?? (err as { statusCode?: unknown }).statusCode;
  return { type: err.name, message: err.message, ...(typeof status === 'number' ? { statusCode: status } : {}), stack: err.stack };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const log = requestLogger(res) ?? logger;
    let known = err instanceof HttpError ? err : bodyParserError(err);
    if (!known && isStoreUnavailable(err)) {
      log.warn({ store: describeStoreError(err) }, 'the store is unavailable');
      known = new HttpError(503, 'service_unavailable', 'the store is unavailable; retry later', { 'Retry-After': '5' });
    }
    if (!known) log.error({ err: loggableError(err) }, 'request failed');
    if (res.headersSent) {
      // Too late for an error body: end the response so the client sees it cut.
      res.destroy();
      return;
    }
    if (!known) return sendError(res, 500, 'internal_server_error', 'the server failed; quote the request id when reporting it');
    for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
    sendError(res, known.status, known.error, known.reason);
  };
}
