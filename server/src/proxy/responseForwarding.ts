import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { abortOnClientClose } from '../http/clientClose.js';
import { proxyMetrics } from './proxyMetrics.js';
import type { SyncDatabase } from './syncPath.js';
import { isAbort, type StreamingClient, type StreamingRequest, UpstreamError } from '@m2m/couch';

/** Response headers of the store that reach the client; nothing else (cookies, server banner, auth challenges). */
const FORWARDED_HEADERS = ['content-type', 'etag', 'cache-control', 'content-length'] as const;

/**
 * Sends `upstream` to the store and streams its answer to the client as it
 * arrives (a `_changes` feed is never buffered). When the client disconnects
 * the store request is aborted, so a longpoll cannot outlive its client.
 */
export async function forwardToClient(
  client: StreamingClient,
  upstream: StreamingRequest,
  res: Response,
  context: { database: SyncDatabase; logger: Logger },
): Promise<void> {
  const signal = abortOnClientClose(res);
  signal.addEventListener('abort', () => proxyMetrics.clientAborted(context.database), { once: true });
  const answer = await client.request({ ...upstream, signal });
  const status = answer.statusCode ?? 502;
  if (status === 401 || status === 407) {
    answer.resume();
    throw new UpstreamError("the store refused the gateway's credentials", false);
  }
  if (status >= 500) proxyMetrics.upstreamFailed(context.database, 'status_5xx');
  res.status(status);
  for (const name of FORWARDED_HEADERS) {
    const value = answer.headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
  // Headers go out when the store's do: a longpoll client learns at once that its feed is open.
  res.flushHeaders();
  try {
    await pipeline(answer, res);
  } catch (err) {
    if (signal.aborted || isAbort(err)) return;
    // The headers are gone: the client sees a cut answer, which replication clients retry.
    proxyMetrics.upstreamFailed(context.database, err instanceof UpstreamError && err.timedOut ? 'timeout' : 'broken');
    context.logger.warn({ err }, 'sync proxy: the store broke off a streamed answer');
    res.destroy();
  }
}
