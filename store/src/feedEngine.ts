import type { Response } from 'express';
import type { ChangeSubscriber } from './changeNotifier.js';
import type { FeedParams } from './feedParams.js';
import type { FeedRegistry, FeedResources } from './feedRegistry.js';

type Change = PouchDB.Core.ChangesResponseChange<object>;
type ChangesResult = PouchDB.Core.ChangesResponse<object>;
type Seq = string | number;

/** Rows read per query while a streaming feed catches up. */
const PAGE_SIZE = 500;

/** What a feed is built from: a database's changes and how each becomes a row. */
export interface FeedSource {
  db: PouchDB.Database;
  /** Passed to db.changes(): include_docs, style, doc_ids, filter, selector, conflicts... */
  changesOptions: Record<string, unknown>;
  toRow(change: Change): unknown;
  /** _changes reports `pending`; _db_updates does not. */
  withPending: boolean;
}

/**
 * Serves one CouchDB-style feed (normal, longpoll or continuous) over a PouchDB
 * database's changes. Resolves when the response is over, whichever way it
 * ended: finished, timed out, or the client went away.
 */
export async function serveFeed(
  res: Response,
  params: FeedParams,
  source: FeedSource,
  registry: FeedRegistry,
): Promise<void> {
  const since = params.since === 'now' ? Number((await source.db.info()).update_seq) : params.since;
  if (params.feed === 'normal') return serveNormal(res, params, source, since);
  // The client may have left while the database was being opened: 'close' has fired already.
  if (!res.socket || res.socket.destroyed) return;
  return new Promise<void>((resolve) => {
    const feed = registry.open(() => {
      res.end(); // store shutdown: the feed has answered (finishWith); the response ends in any case
      resolve();
    });
    res.on('close', () => {
      feed.dispose(); // the response ended or the client went away: stop listening
      resolve();
    });
    startStreaming(res);
    const run = params.feed === 'longpoll' ? longpoll : continuous;
    run(res, params, source, since, feed, registry);
  });
}

function startStreaming(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'must-revalidate');
  res.flushHeaders(); // so the client knows the feed is open before the first change
}

function readChanges(source: FeedSource, since: Seq, limit: number | undefined, descending = false) {
  return source.db.changes<object>({
    ...source.changesOptions,
    since,
    ...(limit === undefined ? {} : { limit }),
    descending,
    return_docs: true,
  });
}

function batchBody(rows: unknown[], lastSeq: Seq, pending: number | undefined): string {
  const body: Record<string, unknown> = { results: rows, last_seq: lastSeq };
  if (pending !== undefined) body['pending'] = pending;
  return JSON.stringify(body) + '\n';
}

async function serveNormal(res: Response, params: FeedParams, source: FeedSource, since: number): Promise<void> {
  const result = await readChanges(source, since, params.limit, params.descending);
  const pending = source.withPending ? await pendingAfter(source.db, params, result) : undefined;
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'must-revalidate');
  res.end(batchBody(result.results.map((c) => source.toRow(c)), result.last_seq, pending));
}

/**
 * Remaining changes after a batch. Counting them exactly would read every
 * later document, so a batch cut short by `limit` reports the number of
 * updates after it: an upper bound, as CouchDB's own clustered estimate is.
 */
async function pendingAfter(db: PouchDB.Database, params: FeedParams, result: ChangesResult): Promise<number> {
  if (params.descending || params.limit === undefined || result.results.length < params.limit) return 0;
  const updateSeq = Number((await db.info()).update_seq);
  return Math.max(0, updateSeq - Number(result.last_seq));
}

/**
 * Runs `step` once per poke, never two at a time; pokes that arrive while a
 * step runs cause exactly one more run. A step returning true ends the pump.
 */
function pump(feed: FeedResources, step: () => Promise<boolean>, onError: () => void): () => void {
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    running = true;
    try {
      do {
        again = false;
        if (feed.isDisposed || (await step())) return;
      } while (again);
    } catch {
      onError();
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}

/** Subscribes the feed to its database's changes; the subscription ends with the feed. */
function watch(registry: FeedRegistry, feed: FeedResources, source: FeedSource, since: number, subscriber: ChangeSubscriber): void {
  feed.listen({ cancel: registry.notifier.subscribe(source.db, since, subscriber) });
}

function keepAlive(res: Response, params: FeedParams, feed: FeedResources, onTimeout: () => void): void {
  if (params.heartbeatMs !== undefined) feed.every(params.heartbeatMs, () => res.write('\n'));
  else feed.after(params.timeoutMs, onTimeout);
}

/** Answers as soon as there is at least one change after `since`, or at the timeout. */
function longpoll(
  res: Response,
  params: FeedParams,
  source: FeedSource,
  since: number,
  feed: FeedResources,
  registry: FeedRegistry,
): void {
  let lastSeq: Seq = since;
  const answer = (rows: unknown[], seq: Seq, pending: number | undefined): void => {
    if (feed.isDisposed) return;
    feed.dispose();
    res.end(batchBody(rows, seq, pending));
  };
  const idle = (): void => answer([], lastSeq, source.withPending ? 0 : undefined);
  keepAlive(res, params, feed, idle);
  feed.finishWith(idle);

  const poke = pump(
    feed,
    async () => {
      const result = await readChanges(source, lastSeq, params.limit);
      if (result.results.length === 0) {
        lastSeq = result.last_seq; // filtered-out changes still move the position on
        return false;
      }
      const pending = source.withPending ? await pendingAfter(source.db, params, result) : undefined;
      answer(result.results.map((c) => source.toRow(c)), result.last_seq, pending);
      return true;
    },
    idle,
  );
  watch(registry, feed, source, since, { onChange: poke, onEnd: idle });
  poke();
}

/** One change per line as they happen; ends at `limit` or the timeout with a last_seq line. */
function continuous(
  res: Response,
  params: FeedParams,
  source: FeedSource,
  since: number,
  feed: FeedResources,
  registry: FeedRegistry,
): void {
  let lastSeq: Seq = since;
  let sent = 0;
  const finish = (): void => {
    if (feed.isDisposed) return;
    feed.dispose();
    const tail: Record<string, unknown> = { last_seq: lastSeq };
    if (source.withPending) tail['pending'] = 0;
    res.end(JSON.stringify(tail) + '\n');
  };
  keepAlive(res, params, feed, finish);
  feed.finishWith(finish);

  const poke = pump(
    feed,
    async () => {
      // Page through what is new, so a long backlog is never held in memory at once.
      for (;;) {
        const wanted = params.limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, params.limit - sent);
        const result = await readChanges(source, lastSeq, wanted);
        if (feed.isDisposed) return true;
        for (const change of result.results) {
          res.write(JSON.stringify(source.toRow(change)) + '\n');
          lastSeq = change.seq;
          sent += 1;
        }
        if (result.results.length === 0) lastSeq = result.last_seq;
        if (params.limit !== undefined && sent >= params.limit) {
          finish();
          return true;
        }
        if (result.results.length < wanted) return false;
      }
    },
    finish,
  );
  watch(registry, feed, source, since, { onChange: poke, onEnd: finish });
  poke();
}
