import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { abortOnClientClose } from '../http/clientClose.js';
import { proxyMetrics } from './proxyMetrics.js';
import type { StopActions } from './stopActions.js';
import type { SyncDatabase } from './syncPath.js';
import { isAbort, type StreamingClient, type StreamingRequest, UpstreamError } from '@m2m/couch';

/** Response headers of the store that reach the client; nothing else (cookies, server banner, auth challenges). */
const FORWARDED_HEADERS = ['content-type', 'etag', 'cache-control', 'content-length'] as const;

/** A longpoll to end early when the gateway stops: its wait is cut and it is answered as if nothing changed. */
export interface LongpollEnd {
  /** Run when the gateway begins to stop. */
  stopping: StopActions;
  /** The `since` the client asked from (CouchDB's default: 0). */
  since: string;
}

/** A store answer waits this long at most for the database's current sequence when a stop cuts a `since=now` poll. */
const STOP_SEQ_SILENCE_MS = 2_000;

/**
 * Sends `upstream` to the store and streams its answer to the client as it
 * arrives (a `_changes` feed is never buffered). When the client disconnects
 * the store request is aborted, so a longpoll cannot outlive its client. A
 * `longpoll` that has sent nothing but heartbeat newlines when the gateway
 * stops gets CouchDB's answer for a wait that saw nothing, so a stop does not
 * wait out the feeds; an answer already under way finishes.
 */
export async function forwardToClient(
  client: StreamingClient,
  upstream: StreamingRequest,
  res: Response,
  context: { database: SyncDatabase; logger: Logger; longpoll?: LongpollEnd },
): Promise<void> {
  const clientGone = abortOnClientClose(res);
  clientGone.addEventListener('abort', () => proxyMetrics.clientAborted(context.database), { once: true });
  // Cut by the client going away, or by a stop that replaces a longpoll's answer.
  const cut = new AbortController();
  const cutNow = (): void => cut.abort();
  if (clientGone.aborted) cut.abort();
  else clientGone.addEventListener('abort', cutNow, { once: true });

  const { longpoll } = context;
  let begun = false; // a byte other than a heartbeat newline has gone to the client
  let replaced = false;
  let answer: IncomingMessage | undefined;
  const replaceAtStop = (): void => {
    if (!longpoll || begun || replaced || res.writableEnded || res.hasHeader('content-length')) return;
    replaced = true;
    answer?.unpipe(res);
    cut.abort();
    unchangedAnswer(client, upstream.path, longpoll.since).then(
      (body) => {
        if (!res.headersSent) res.status(200).setHeader('content-type', 'application/json');
        // After heartbeat newlines the JSON still parses: CouchDB ends a heartbeat feed the same way.
        res.end(body);
      },
      () => res.destroy(),
    );
  };
  const forgetStop = longpoll?.stopping.add(replaceAtStop);
  try {
    if (longpoll?.stopping.signal.aborted) return replaceAtStop();
    try {
      answer = await client.request({ ...upstream, signal: cut.signal });
    } catch (err) {
      if (replaced) return;
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
    if (longpoll) {
      const watch = (chunk: Buffer): void => {
        if (!/\S/.test(chunk.toString('latin1'))) return;
        begun = true;
        answer?.off('data', watch);
      };
      answer.on('data', watch);
    }
    try {
      await streamTo(answer, res);
    } catch (err) {
      if (replaced || clientGone.aborted) return;
      // The headers are gone: the client sees a cut answer, which replication clients retry.
      if (!isAbort(err)) {
        proxyMetrics.upstreamFailed(context.database, err instanceof UpstreamError && err.timedOut ? 'timeout' : 'broken');
        context.logger.warn({ err }, 'sync proxy: the store broke off a streamed answer');
      }
      res.destroy();
    }
  } finally {
    forgetStop?.();
    clientGone.removeEventListener('abort', cutNow);
  }
}

/**
 * The body CouchDB sends when a longpoll's wait saw nothing: no results, and
 * `last_seq` where the client asked from, or for `since=now` the database's
 * current sequence (so that the next poll misses nothing written meanwhile).
 */
async function unchangedAnswer(client: StreamingClient, changesPath: string, since: string): Promise<string> {
  let lastSeq: unknown = /^\d+$/.test(since) ? Number(since) : since;
  if (since === 'now') {
    const dbPath = changesPath.slice(0, changesPath.lastIndexOf('/_changes'));
    const info = await client.json({ method: 'GET', path: dbPath, silenceMs: STOP_SEQ_SILENCE_MS });
    lastSeq = (info.body as { update_seq?: unknown } | undefined)?.update_seq;
    if (info.status !== 200 || lastSeq === undefined) throw new Error('the database did not say its sequence');
  }
  return `${JSON.stringify({ results: [], last_seq: lastSeq })}\n`;
}

/** Pipes the answer into the response; resolves when the response is done or gone, rejects when the answer breaks. */
function streamTo(answer: NodeJS.ReadableStream & { destroyed: boolean }, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    answer.on('error', reject);
    res.once('close', () => resolve());
    answer.pipe(res);
  });
}

