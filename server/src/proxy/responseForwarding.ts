import type { Response } from 'express';
import type { Logger } from 'pino';
import { abortOnClientClose } from '../http/clientClose.js';
import { proxyMetrics } from './proxyMetrics.js';
import type { SyncDatabase } from './syncPath.js';
import { isAbort, type StreamingClient, type StreamingRequest, UpstreamError } from '@m2m/couch';

/** Response headers of the store that reach the client; nothing else (cookies, server banner, auth challenges). */
const FORWARDED_HEADERS = ['content-type', 'etag', 'cache-control', 'content-length'] as const;

/** A longpoll to end early when the gateway stops: its wait is cut and it is answered as if nothing changed. */
export interface LongpollEnd {
  /** Fires when the gateway begins to stop. */
  stopping: AbortSignal;
  /** The `since` the client asked from (CouchDB's default: 0); the answer's `last_seq`, so the client asks again from there. */
  since: string;
}

/**
 * Sends `upstream` to the store and streams its answer to the client as it
 * arrives (a `_changes` feed is never buffered). When the client disconnects
 * the store request is aborted, so a longpoll cannot outlive its client. A
 * `longpoll` whose answer has not begun when the gateway stops gets CouchDB's
 * answer for a wait that saw nothing, so a stop does not wait out the feeds.
 */
export async function forwardToClient(
  client: StreamingClient,
  upstream: StreamingRequest,
  res: Response,
  context: { database: SyncDatabase; logger: Logger; longpoll?: LongpollEnd },
): Promise<void> {
  const clientGone = abortOnClientClose(res);
  clientGone.addEventListener('abort', () => proxyMetrics.clientAborted(context.database), { once: true });
  const stopping = context.longpoll?.stopping;
  const signal = stopping ? AbortSignal.any([clientGone, stopping]) : clientGone;
  const answerUnchanged = (): void => {
    res.status(200).setHeader('content-type', 'application/json');
    res.end(`${JSON.stringify({ results: [], last_seq: sinceValue(context.longpoll?.since ?? '0') })}\n`);
  };
  if (stopping?.aborted) return answerUnchanged();
  let answer: Awaited<ReturnType<StreamingClient['request']>>;
  try {
    answer = await client.request({ ...upstream, signal });
  } catch (err) {
    if (stopping?.aborted && !clientGone.aborted && !res.headersSent) return answerUnchanged();
    throw err;
  }
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
  let begun = false;
  answer.once('data', () => (begun = true));
  const endAtStop = (): void => {
    // An answer already under way (or of a announced length) finishes; one not begun is replaced.
    if (begun || res.hasHeader('content-length') || res.writableEnded) return;
    answer.unpipe(res);
    answer.destroy();
    res.end(`${JSON.stringify({ results: [], last_seq: sinceValue(context.longpoll?.since ?? '0') })}\n`);
  };
  stopping?.addEventListener('abort', endAtStop, { once: true });
  try {
    await streamTo(answer, res);
  } catch (err) {
    if (clientGone.aborted || isAbort(err) || stopping?.aborted) return;
    // The headers are gone: the client sees a cut answer, which replication clients retry.
    proxyMetrics.upstreamFailed(context.database, err instanceof UpstreamError && err.timedOut ? 'timeout' : 'broken');
    context.logger.warn({ err }, 'sync proxy: the store broke off a streamed answer');
    res.destroy();
  } finally {
    stopping?.removeEventListener('abort', endAtStop);
  }
}

/** Pipes the answer into the response; resolves when the response is done or gone, rejects when the answer breaks. */
function streamTo(answer: NodeJS.ReadableStream & { destroyed: boolean }, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    answer.on('error', reject);
    res.once('close', () => resolve());
    answer.pipe(res);
  });
}

/** `since` as CouchDB writes `last_seq`: a number where it is one (the embedded store), else the opaque string (CouchDB 3). */
const sinceValue = (since: string): string | number => (/^\d+$/.test(since) ? Number(since) : since);
