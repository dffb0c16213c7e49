import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { mergeBulkDocsRows, planBulkDocs, type BulkDocsPlan, type BulkDocsRow } from './bulkDocs.js';
import { localDocsReader } from './localDocsReader.js';
import { LocalDocsTally } from './localDocsTally.js';
import { StoredBytes } from './storedBytes.js';
import { StorageReservations, type StorageReservation } from './storageReservations.js';
import { SyncRequestRate } from './syncRequestRate.js';
import { badRequest, CouchError, methodNotAllowed, refused, sendCouchError } from './couchError.js';
import { checkLocalWrite, checkSessionWrite } from './documentGate.js';
import { toCouchError } from './jsonBody.js';
import { jsonBytesReader } from './jsonBytes.js';
import { proxyMetrics } from './proxyMetrics.js';
import { allowedMethods, checkQuery, DEFAULT_FEED_LIMITS, feedSilenceMs, isServedMethod, type FeedLimits, type ProxyMethod } from './queryRules.js';
import { checkReadBody } from './readBodies.js';
import { nestingProblem } from './jsonDepth.js';
import { FeedQuota } from './feedQuota.js';
import { StopActions } from './stopActions.js';
import type { ActivityHints } from './activityHints.js';
import { abortOnClientClose } from '../http/clientClose.js';
import { roleOf } from '../auth/requireUser.js';
import { checkCareRequest, checkRole, storeDatabaseOf } from './careAccess.js';
import { forwardToClient, type LongpollEnd } from './responseForwarding.js';
import { parseSyncPath, upstreamPathOf, type SyncDatabase, type SyncTarget } from './syncPath.js';
import { isAbort, StreamingClient, UpstreamError, type StoreTarget, type StreamingRequest } from '@m2m/couch';

export interface SyncRouterDeps {
  config: Pick<GatewayConfig, 'dbPrefix' | 'maxDocBytes' | 'bodyLimitBytes' | 'storeTimeoutMs' | 'quotas'>;
  /** The gateway's StoreClient fits: its url, admin header and `closed` signal are used. */
  store: StoreTarget;
  logger: Logger;
  /** Bounds on feed waits (tests shorten them). */
  feedLimits?: Partial<FeedLimits>;
  /** Longpolls one user may hold open at once (default MAX_OPEN_FEEDS_PER_USER). */
  maxOpenFeedsPerUser?: number;
  /** Told of each user syncing their sessions, so the worker follows them before the next session. */
  activity?: Pick<ActivityHints, 'seen'>;
  /** Fires when the gateway begins to stop: open longpolls are answered at once instead of held to the end of their wait. */
  stopping?: AbortSignal;
  /** The stored-bytes quota, shared with the REST routes of the process (default: the router's own). */
  storage?: StorageReservations;
}

/** A longpoll may be silent for its wait plus this before the proxy gives up on the store. */
const FEED_SILENCE_MARGIN_MS = 10_000;

/**
 * The replication proxy: `/sessions/…` and `/progress/…` reach a patient's
 * own two databases, `/care/…` a clinician's care database (pull only), through only the endpoints CouchDB replication needs
 * (RxDB's `replicateCouchDB` and PouchDB's `replicate()`), with every written
 * document validated. Mounted at `/sync` behind `requireUser`, which sets
 * `res.locals.userId`.
 */
export function createSyncRouter(deps: SyncRouterDeps): Router {
  const { config, logger } = deps;
  const limits: FeedLimits = { ...DEFAULT_FEED_LIMITS, ...deps.feedLimits };
  const client = new StreamingClient(deps.store);
  const readBody = jsonBytesReader(config.bodyLimitBytes);
  const feeds = new FeedQuota(deps.maxOpenFeedsPerUser);
  const stops = deps.stopping ? new StopActions(deps.stopping) : undefined;
  const { quotas } = config;
  const rate = new SyncRequestRate(quotas.syncRequestsPerS, quotas.syncBurst);
  const storage = deps.storage ?? new StorageReservations(new StoredBytes(client, config.storeTimeoutMs), quotas.storedBytes);
  const locals = new LocalDocsTally({ docs: quotas.localDocs, bytes: quotas.localBytes }, localDocsReader(client, config.dbPrefix, config.storeTimeoutMs));
  const router = express.Router();

  router.use(async (req, res) => {
    let database: SyncDatabase | undefined;
    let reservation: StorageReservation<void> | undefined;
    try {
      const userId: unknown = res.locals['userId'];
      if (typeof userId !== 'string' || userId === '') throw new CouchError('access_token_required', 'sign in first');
      rate.take(userId);
      const target = parseSyncPath(req.url);
      const { endpoint } = target;
      database = target.database;
      checkRole(roleOf(res), database);
      if (database === 'sessions') deps.activity?.seen(userId);
      if (!isServedMethod(endpoint.kind, req.method)) throw methodNotAllowed(allowedMethods(endpoint.kind));
      const method: ProxyMethod = req.method;
      if (database === 'care') checkCareRequest(endpoint.kind, method);
      const writesDocuments = (endpoint.kind === 'bulk_docs' || endpoint.kind === 'doc') && method !== 'GET';
      if (writesDocuments && database === 'progress') {
        throw new CouchError('database_read_only', 'the progress database is read-only: its documents are written by the server');
      }
      const query = checkQuery(endpoint.kind, method, target.rawQuery, limits);
      // A batch's documents are parsed one at a time as they are judged (DocsOnDemand).
      const read = method === 'POST' || method === 'PUT' ? await readBody(req, res, { docsOnDemand: endpoint.kind === 'bulk_docs' }) : undefined;
      const body = read?.value;
      const storeDatabase = storeDatabaseOf(config.dbPrefix, userId, database);
      // The device is syncing: its first push need not wait for the quota's size reading.
      if (database === 'sessions') storage.prefetch(storeDatabase);
      const upstream: StreamingRequest = {
        method,
        path: upstreamPathOf(storeDatabase, endpoint),
        query,
        silenceMs: config.storeTimeoutMs,
        // Reads, and the reads posted as JSON (_all_docs, _bulk_get, _revs_diff, _changes), are safe to
        // send twice; no write is, a checkpoint's PUT or DELETE on _local included.
        idempotent: method === 'GET' || (method === 'POST' && endpoint.kind !== 'bulk_docs'),
      };
      proxyMetrics.accepted(database, endpoint.kind);

      if (endpoint.kind === 'bulk_docs') return await bulkDocs(res, upstream, body, database, storeDatabase, read?.utf8);
      if (endpoint.kind === 'info') return await databaseInfo(res, upstream, database);
      if (method === 'PUT') {
        const doc = checkedPutBody(target, body, config.maxDocBytes);
        upstream.jsonText = JSON.stringify(doc);
        const bytes = Buffer.byteLength(upstream.jsonText, 'utf8');
        if (endpoint.kind === 'local') await locals.write(userId, `${database}/${endpoint.id}`, bytes);
        else if ((doc as { _deleted?: unknown })._deleted !== true) {
          // As in _bulk_docs, a deletion always passes: it is how a user over the quota makes room.
          reservation = await storage.reserve(storeDatabase, (left) => {
            if (left.bytesLeft < bytes) throw new CouchError('quota_stored_bytes', left.refusal);
            left.bytesLeft -= bytes;
          });
        }
      } else if (method === 'DELETE' && endpoint.kind === 'local') {
        locals.remove(userId, `${database}/${endpoint.id}`);
      } else if (body !== undefined) upstream.body = checkReadBody(endpoint.kind, checkedNesting(body));
      let longpoll: LongpollEnd | undefined;
      if (endpoint.kind === 'changes') {
        const silence = feedSilenceMs(query, limits);
        if (silence !== undefined) {
          feeds.take(userId, res);
          upstream.silenceMs = silence + FEED_SILENCE_MARGIN_MS;
          if (stops) longpoll = { stopping: stops, since: query.get('since') ?? '0' };
        }
      }
      const ifNoneMatch = req.get('if-none-match');
      if (method === 'GET' && ifNoneMatch !== undefined) upstream.headers = { 'if-none-match': ifNoneMatch };
      await forwardToClient(client, upstream, res, { database, logger, ...(longpoll ? { longpoll } : {}) });
    } catch (err) {
      failed(res, err, database);
    } finally {
      reservation?.settle();
    }
  });

  async function bulkDocs(res: Response, upstream: StreamingRequest, body: unknown, database: SyncDatabase, storeDatabase: string, utf8: Buffer | undefined): Promise<void> {
    // Planned with the user's other writes in this process one at a time, so together they stay within the quota.
    const reservation = await storage.reserve(storeDatabase, (left) => planBulkDocs(body, config.maxDocBytes, left, utf8));
    try {
      await forwardBulkDocs(res, upstream, reservation.value, database);
    } finally {
      reservation.settle();
    }
  }

  async function forwardBulkDocs(res: Response, upstream: StreamingRequest, plan: BulkDocsPlan, database: SyncDatabase): Promise<void> {
    if (plan.refused.length > 0) {
      proxyMetrics.refused(database, plan.refused.length);
      logger.info({ refused: plan.refused.length, of: plan.refused.length + plan.forwardedIndices.length }, 'sync proxy refused documents');
    }
    let rows: BulkDocsRow[] = [];
    if (plan.forwardedIndices.length > 0) {
      const answer = await client.json({ ...upstream, jsonBytes: plan.upstreamBytes, signal: abortOnClientClose(res) });
      if (answer.status === 401) throw new UpstreamError("the store refused the gateway's credentials", false);
      if (answer.status >= 300 || !Array.isArray(answer.body)) {
        // The store refused the whole batch (bad request, too large, no database): its verdict stands.
        const verdict = (answer.body ?? {}) as { error?: unknown; reason?: unknown };
        if (answer.status < 300) throw new UpstreamError('the store answered a _bulk_docs without rows', false);
        if (answer.status >= 500) proxyMetrics.upstreamFailed(database, 'status_5xx');
        throw storeVerdict(answer.status, verdict, 'the store refused the batch');
      }
      rows = answer.body as BulkDocsRow[];
    }
    res.status(201).json(mergeBulkDocsRows(plan, rows));
  }

  /** Database info, naming the database as the device knows it: it never sees the store's names. */
  async function databaseInfo(res: Response, upstream: StreamingRequest, database: SyncDatabase): Promise<void> {
    const answer = await client.json({ ...upstream, signal: abortOnClientClose(res) });
    const body = (answer.body ?? {}) as Record<string, unknown>;
    if (answer.status >= 300 || typeof answer.body !== 'object' || answer.body === null) {
      if (answer.status >= 500) proxyMetrics.upstreamFailed(database, 'status_5xx');
      throw storeVerdict(answer.status, body, 'the store gave no database info');
    }
    res.status(200).json({ ...body, db_name: database });
  }

  function failed(res: Response, err: unknown, database: SyncDatabase | undefined): void {
    if (isAbort(err)) return; // the client went away; nobody is listening
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof UpstreamError) {
      if (database) proxyMetrics.upstreamFailed(database, err.timedOut ? 'timeout' : 'unreachable');
      logger.warn({ err }, 'sync proxy: the store failed');
            // A hung store is the same answer on every route: 503, retry later.
      if (err.timedOut) return sendCouchError(res, new CouchError('store_timeout', err.message, { headers: { 'Retry-After': '5' } }));
      return sendCouchError(res, new CouchError('store_failed', err.message));
    }
    const couchError = err instanceof CouchError ? err : toCouchError(err);
    if (couchError.status >= 500) logger.error({ err }, 'sync proxy: request failed');
    sendCouchError(res, couchError);
  }

  return router;
}

/** The store's own refusal of a request, passed on with its status and error; a 2xx of the wrong shape is the gateway's 502. */
function storeVerdict(status: number, body: { error?: unknown; reason?: unknown }, fallback: string): CouchError {
  const reason = typeof body.reason === 'string' ? body.reason : fallback;
  if (status < 300) return new CouchError('store_failed', reason);
  return new CouchError('store_refused', reason, { status, error: typeof body.error === 'string' ? body.error : 'error' });
}

/** A read's body as it is, unless it nests too deep to forward (the store client serialises it recursively). */
function checkedNesting(body: unknown): unknown {
  const problem = nestingProblem(body, 'the request body');
  if (problem !== undefined) throw badRequest(problem);
  return body;
}

/** The body of a PUT, checked: a local checkpoint, or a session whose `_id` is the path's. */
function checkedPutBody(target: SyncTarget, body: unknown, maxDocBytes: number): unknown {
  const { endpoint } = target;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the document must be a JSON object');
  }
  if (endpoint.kind === 'local') {
    const verdict = checkLocalWrite(body, maxDocBytes);
    if (!verdict.ok) throw new CouchError('document_invalid', verdict.reason);
    // The store takes the body's _id over the path's: pin it to the path, or a
    // "checkpoint" could write any document (a session, progress, a design document).
    return { ...body, _id: `_local/${endpoint.id}` };
  }
  if (endpoint.kind !== 'doc') throw refused('this endpoint is not writable');
  const given = (body as { _id?: unknown })._id;
  if (given !== undefined && given !== endpoint.id) throw badRequest('the _id in the body differs from the one in the path');
  const doc = { ...body, _id: endpoint.id };
  const verdict = checkSessionWrite(doc, maxDocBytes);
  if (!verdict.ok) throw new CouchError('document_invalid', verdict.reason);
  return verdict.doc;
}
