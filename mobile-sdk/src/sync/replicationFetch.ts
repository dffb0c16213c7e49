import { isAccessTokenRefusal } from '@m2m/contract';
import { GatewayError, M2MError } from '../errors.js';
import type { TokenKeeper } from '../auth/tokenKeeper.js';
import { gatewayError, reach } from './gatewayResponse.js';
import { halve, splitBulkDocs, type BulkDocsChunk, type BulkDocsRow } from './bulkDocsChunks.js';
import { allDocsKeys, noneFound, type NewSessions } from './newSessions.js';

/** What the replication's requests tell the sync status and the upload ledger. */
export interface ReplicationObserver {
  /** The gateway answered (any status). */
  reached(): void;
  /** A replication request succeeded. */
  synced(): void;
  /** A request failed: the error RxDB will see before it retries. */
  failed(err: Error): void;
  /** Sessions the gateway stored, with the revision it gave each. */
  uploaded(rows: Array<{ id: string; rev: string }>): void;
  rejected(id: string, reason: string): void;
}

/** A request that is not a live longpoll and gets no answer in this time has failed (a half-open connection). */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * The `fetch` handed to RxDB's CouchDB replication of one database.
 * - It adds the access token and refreshes it once on a 401.
 * - It throws on every non-2xx answer: RxDB does not look at the status, and
 *   a JSON error on its live longpoll would be an unhandled rejection.
 * - It sends `_bulk_docs` in chunks the gateway's body limit accepts (halving
 *   a chunk it answers 413), and
 *   takes the documents the gateway refused out of the answer after recording
 *   them; RxDB would otherwise resend the whole batch for ever.
 * - It never sends the longpoll RxDB starts with `since=now`: it waits until
 *   the catch-up pull that runs beside it has read to the end (a page shorter
 *   than its limit) and starts from that page's `last_seq`. Resolved by the
 *   server, `now` could fall after the catch-up's last read, and a change
 *   written between the two would be skipped for good: the feed's checkpoint
 *   moves past it. Started after the catch-up's first page instead, the feed
 *   would download a long backlog a second time beside it.
 * - Given `newSessions`, it answers RxDB's conflict check before a push
 *   (`_all_docs` by keys) itself when every key is a session recorded here
 *   and not yet answered for by the server: nothing to find (NewSessions).
 */
export function replicationFetch(fetchImpl: typeof fetch, keeper: TokenKeeper, observer: ReplicationObserver, newSessions?: NewSessions) {
  const longpolls = new Set<AbortController>();
  let lastSeq: unknown = null;
  let seqKnown: () => void = () => undefined;
  const firstSeq = new Promise<void>((resolve) => (seqKnown = resolve));
  let stopped = false;

  async function send(url: string, init: RequestInit | undefined, signal: AbortSignal): Promise<Response> {
    const token = keeper.current.accessToken;
    const attempt = (bearer: string) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${bearer}`);
      headers.set('accept', 'application/json');
      return reach(fetchImpl, url, { ...init, headers, signal });
    };
    let response = await attempt(token);
    observer.reached();
    if (response.status === 401) {
      const refusal = await gatewayError(response);
      if (!isAccessTokenRefusal(refusal.code)) throw refusal;
      response = await attempt((await keeper.refresh(token, refusal.code)).accessToken);
    }
    return response;
  }

  async function bulkDocs(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    const rows: BulkDocsRow[] = [];
    for (const chunk of splitBulkDocs(String(init.body))) {
      const answered = await sendChunk(url, init, chunk, signal);
      newSessions?.forget(chunk.ids);
      rows.push(...answered);
    }
    return Response.json(keepAccepted(rows, observer), { status: 201 });
  }

  /** Sends one chunk; a chunk over the gateway's body limit goes again in halves. */
  async function sendChunk(url: string, init: RequestInit, chunk: BulkDocsChunk, signal: AbortSignal): Promise<BulkDocsRow[]> {
    const response = await send(url, { ...init, body: chunk.body }, signal);
    // On the status, not a code: a reverse proxy's own 413 (its body limit) carries none and needs halving too.
    if (response.status === 413) {
      const error = await gatewayError(response);
      // One document alone over the limit: refused like any other bad document.
      if (chunk.ids.length === 1) return [{ id: chunk.ids[0]!, error: 'forbidden', reason: error.reason }];
      const halves = halve(chunk);
      return [...(await sendChunk(url, init, halves[0], signal)), ...(await sendChunk(url, init, halves[1], signal))];
    }
    if (!response.ok) throw await gatewayError(response);
    const answer = (await response.json()) as unknown;
    if (!Array.isArray(answer)) throw new GatewayError(502, 'bad_gateway', '_bulk_docs did not answer with a list of rows');
    return answer as BulkDocsRow[];
  }

  async function replicationRequest(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (stopped) throw new M2MError('stopped', 'replication has stopped');
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const parsed = new URL(url);
    const longpoll = parsed.searchParams.get('feed') === 'longpoll';
    if (newSessions && init?.method === 'POST' && parsed.pathname.endsWith('/_all_docs')) {
      const keys = allDocsKeys(init.body);
      if (keys && newSessions.allNew(keys)) return noneFound(keys);
    }
    const abort = new AbortController();
    try {
      if (longpoll) {
        longpolls.add(abort);
        if (parsed.searchParams.get('since') === 'now') {
          await untilAborted(firstSeq, abort.signal);
          parsed.searchParams.set('since', typeof lastSeq === 'string' ? lastSeq : JSON.stringify(lastSeq));
          url = parsed.href;
        }
      }
      // A live longpoll waits for a change as long as it must; anything else has a deadline.
      const signal = longpoll ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
      let response: Response;
      if (init?.method === 'POST' && parsed.pathname.endsWith('/_bulk_docs')) response = await bulkDocs(url, init, signal);
      else {
        response = await send(url, init, signal);
        if (!response.ok) throw await gatewayError(response);
        if (parsed.pathname.endsWith('/_changes')) response = await rememberSeq(response, parsed.searchParams.get('limit'));
      }
      observer.synced();
      return response;
    } catch (err) {
      const error = err instanceof Error ? err : new M2MError('unknown', String(err));
      if (error.name !== 'AbortError') observer.failed(error);
      throw error;
    } finally {
      longpolls.delete(abort);
    }
  }

  async function rememberSeq(response: Response, limit: string | null): Promise<Response> {
    const body = (await response.json()) as { last_seq?: unknown; results?: unknown };
    if (body.last_seq !== undefined) {
      lastSeq = body.last_seq;
      const rows = Array.isArray(body.results) ? body.results.length : 0;
      // A full page means more to read; anything else (a short page, no limit) is the end.
      if (!(rows >= Number(limit ?? Infinity))) seqKnown();
    }
    return Response.json(body, { status: response.status });
  }

  return {
    fetch: replicationRequest as typeof fetch,
    /**
     * Refuses new requests and ends the live longpolls, which would otherwise
     * wait for the server. A push under way is left to finish, so that RxDB
     * records what the gateway stored.
     */
    stop(): void {
      stopped = true;
      for (const abort of longpolls) abort.abort();
      longpolls.clear();
    },
  };
}

/** `promise`, or an AbortError as soon as `signal` aborts. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function abortError(): Error {
  const error = new Error('the replication stopped');
  error.name = 'AbortError';
  return error;
}

/** The rows RxDB may see: stored ones and conflicts (which its conflict handler resolves). */
function keepAccepted(rows: BulkDocsRow[], observer: ReplicationObserver): BulkDocsRow[] {
  const kept: BulkDocsRow[] = [];
  const uploaded: Array<{ id: string; rev: string }> = [];
  for (const row of rows) {
    const id = typeof row.id === 'string' ? row.id : '';
    if (row.ok === true) uploaded.push({ id, rev: typeof row.rev === 'string' ? row.rev : '' });
    if (row.ok === true || row.error === 'conflict') kept.push(row);
    else observer.rejected(id, typeof row.reason === 'string' ? row.reason : String(row.error ?? 'refused'));
  }
  if (uploaded.length > 0) observer.uploaded(uploaded);
  return kept;
}
