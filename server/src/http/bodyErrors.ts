import type { ErrorCode } from '@m2m/contract';

/** What went wrong reading a request body, as a status, a code and a reason a person can act on. */
export interface BodyProblem {
  status: number;
  code: Extract<ErrorCode, 'body_unreadable' | 'body_too_large' | 'body_unsupported'>;
  reason: string;
}

const isZlibCode = (code: unknown): boolean => typeof code === 'string' && code.startsWith('Z_');

/**
 * Names the problem behind a body parser's (body-parser, raw-body, zlib)
 * failure; undefined for errors that are not about the body. A body that
 * cannot be inflated is the client's mistake, so it is a 400, never a 500.
 */
export function describeBodyError(err: unknown): BodyProblem | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, code, status, limit } = err as { type?: unknown; code?: unknown; status?: unknown; limit?: unknown };
  if (isZlibCode(code)) {
    return { status: 400, code: 'body_unreadable', reason: 'the request body is not valid data for its Content-Encoding (gzip or deflate)' };
  }
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'body_unreadable', reason: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, code: 'body_too_large', reason: `the request body is larger than the limit of ${typeof limit === 'number' ? `${limit} bytes` : 'the gateway'}` };
    case 'encoding.unsupported':
      return { status: 415, code: 'body_unsupported', reason: 'the request body\'s Content-Encoding is not supported (identity, gzip or deflate)' };
    case 'charset.unsupported':
      return { status: 415, code: 'body_unsupported', reason: 'the request body must be JSON in UTF-8' };
    case 'request.aborted':
      return { status: 400, code: 'body_unreadable', reason: 'the request body was cut short' };
    case 'request.size.invalid':
      return { status: 400, code: 'body_unreadable', reason: 'the request body does not match its Content-Length' };
    default:
      break;
  }
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: 'body_unreadable', reason: `the request body could not be read (${type})` };
  }
  return undefined;
}
