import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ERROR_CATALOGUE, type ErrorAnswer, type ErrorCode, type ErrorSpec } from '@m2m/contract';
import { requestLogger } from './requestLogging.js';
import { requestIdOf } from './requestId.js';
import { describeBodyError } from './bodyErrors.js';
import { describeStoreError, isStoreUnavailable, storeStatus } from '@m2m/couch';

/** Where an answer's status and CouchDB error name differ from the catalogue's: a verdict of the store passed on. */
export interface ErrorOverrides {
  status?: number;
  error?: string;
  headers?: Record<string, string>;
}

/**
 * An error a handler throws to answer with a CouchDB-style JSON body and a
 * stable code; status and CouchDB error name come from the code's catalogue
 * entry unless the store's own verdict is passed on.
 */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly status: number;
  readonly error: string;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, reason: string, overrides: ErrorOverrides = {}) {
    super(`${code}: ${reason}`);
    this.name = 'HttpError';
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    const status = overrides.status ?? spec.status;
    const error = overrides.error ?? spec.error;
    // The catalogue's `'store'` stands for the store's own verdict, which the thrower must pass on.
    if (status === 'store' || (spec.error === 'store' && overrides.error === undefined)) throw new Error(`HttpError: ${code} needs the store's status and error`);
    this.code = code;
    this.reason = reason;
    this.status = status;
    this.error = error;
    this.headers = overrides.headers ?? {};
  }
}

/** Sends `{error, reason, code, requestId}` with the error's status and headers. */
export function sendError(res: Response, err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  // A router used without assignRequestId (a unit test) has no id to send; JSON leaves it out.
  const body: Omit<ErrorAnswer, 'requestId'> & { requestId: string | undefined } = { error: err.error, reason: err.reason, code: err.code, requestId: requestIdOf(res) };
  res.status(err.status).type('application/json').send(JSON.stringify(body));
}

export function notFound(): RequestHandler {
  return (req, res) => sendError(res, new HttpError('route_not_found', `no route for ${req.method} ${req.path}`));
}

/** What body-parser's errors mean for the client. */
function bodyParserError(err: unknown): HttpError | undefined {
  const problem = describeBodyError(err);
  return problem && new HttpError(problem.code, problem.reason, { status: problem.status });
}

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

/** Last handler: every error becomes a JSON body with a code and the request id; only unexpected ones are logged as errors. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const log = requestLogger(res) ?? logger;
    let known = err instanceof HttpError ? err : bodyParserError(err);
    if (!known && isStoreUnavailable(err)) {
      log.warn({ store: describeStoreError(err) }, 'the store is unavailable');
      known = new HttpError('store_unavailable', 'the store is unavailable; retry later', { headers: { 'Retry-After': '5' } });
    }
    if (!known) log.error({ err: loggableError(err) }, 'request failed');
    if (res.headersSent) {
      // Too late for an error body: end the response so the client sees it cut.
      res.destroy();
      return;
    }
    sendError(res, known ?? new HttpError('internal_error', 'the server failed; quote the request id when reporting it'));
  };
}
