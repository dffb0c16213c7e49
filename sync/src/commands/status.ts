import { ANALYSIS_VERSION, parseUserDatabase, sessionIdTimeMs } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';
import { CheckpointStore } from '../feed/checkpointStore.js';
import { shardOfDatabase } from '../shard.js';
import { listUserDatabases } from '../store/databases.js';
import { readRange } from '../writer/storeDocuments.js';
import { mapBounded } from '../worker/mapBounded.js';
import { WORKER_STATUS_PREFIX, type LastError, type WorkerStatusDoc } from '../worker/workerStatusRecorder.js';
import { checkStoreNow, isStoreStatus, readChanges, StoreClient, workerDatabase, type Seq } from '@m2m/couch';

export interface DatabaseStatus {
  db: string;
  userId: string;
  /** The shard (of WORKER_SHARD's n) that owns it. */
  shard: number;
  checkpoint: Seq | null;
  /** Changes after the checkpoint (design documents aside): sessions new, edited or deleted since. */
  pending: number;
  /** Start time of the oldest session waiting (from its id), null when none. */
  oldestPendingSessionAt: string | null;
}

export interface WorkerStatus {
  shard: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  stoppedAt: string | null;
  lastError: LastError | null;
}

export interface StatusReport {
  generatedAt: string;
  analysisVersion: string;
  shardCount: number;
  databases: DatabaseStatus[];
  total: {
    databases: number;
    databasesBehind: number;
    pending: number;
    oldestPendingSessionAt: string | null;
    /** Age of the oldest waiting session, in seconds, from its start time. */
    oldestPendingAgeS: number | null;
  };
  workers: WorkerStatus[];
  /** The most recent error any worker recorded. */
  lastError: (LastError & { shard: string }) | null;
}

const COUNT_PAGE = 5_000;

/**
 * The backlog as the store shows it, whether or not a worker runs: for each
 * sessions database the changes after its checkpoint, counted exactly (ids
 * only, page by page), and the oldest waiting session; plus what each worker
 * left in the worker database (last error).
 */
export async function collectStatus(config: WorkerConfig, options: { store?: StoreClient } = {}): Promise<StatusReport> {
  const store = options.store ?? new StoreClient(config.couchdbUrl, { timeoutMs: config.storeTimeoutMs });
  try {
    await checkStoreNow(store);
    const workerDb = workerDatabase(config.dbPrefix);
    const checkpoints = new CheckpointStore(store, workerDb);
    let workerDocs: WorkerStatusDoc[] = [];
    try {
      await checkpoints.loadAll();
      workerDocs = (await readRange(store, workerDb, WORKER_STATUS_PREFIX)) as unknown as WorkerStatusDoc[];
    } catch (err) {
      if (!isStoreStatus(err, 404)) throw err; // no worker database yet: no worker has run
    }
    const names = await listUserDatabases(store, config.dbPrefix, 'sessions');
    const now = Date.now();
    const rows = await mapBounded(names, 8, (name) => databaseStatus(store, config, checkpoints, name));
    const databases = rows.filter((row): row is DatabaseStatus => row !== undefined);

    const oldest = databases.reduce<string | null>((acc, d) => (d.oldestPendingSessionAt && (!acc || d.oldestPendingSessionAt < acc) ? d.oldestPendingSessionAt : acc), null);
    const workers = workerDocs.map((d) => ({ shard: d.shard, pid: d.pid, startedAt: d.startedAt, updatedAt: d.updatedAt, stoppedAt: d.stoppedAt, lastError: d.lastError }));
    const lastError = workers.reduce<StatusReport['lastError']>((acc, w) => (w.lastError && (!acc || w.lastError.at > acc.at) ? { ...w.lastError, shard: w.shard } : acc), null);
    return {
      generatedAt: new Date(now).toISOString(),
      analysisVersion: ANALYSIS_VERSION,
      shardCount: config.shard.count,
      databases,
      total: {
        databases: databases.length,
        databasesBehind: databases.filter((d) => d.pending > 0).length,
        pending: databases.reduce((sum, d) => sum + d.pending, 0),
        oldestPendingSessionAt: oldest,
        oldestPendingAgeS: oldest ? Math.max(0, Math.round((now - Date.parse(oldest)) / 1000)) : null,
      },
      workers,
      lastError,
    };
  } finally {
    if (!options.store) store.close();
  }
}

async function databaseStatus(store: StoreClient, config: WorkerConfig, checkpoints: CheckpointStore, db: string): Promise<DatabaseStatus | undefined> {
  const parsed = parseUserDatabase(config.dbPrefix, db);
  if (!parsed) return undefined;
  const checkpoint = checkpoints.get(db);
  let since = checkpoint;
  let pending = 0;
  let oldest: number | undefined;
  try {
    for (;;) {
      const page = await readChanges(store, db, since, { limit: COUNT_PAGE, includeDocs: false });
      for (const change of page.results) {
        if (change.id.startsWith('_design/')) continue;
        pending += 1;
        const started = change.deleted ? null : sessionIdTimeMs(change.id);
        if (started !== null && (oldest === undefined || started < oldest)) oldest = started;
      }
      since = page.lastSeq;
      if (page.results.length < COUNT_PAGE) break;
    }
  } catch (err) {
    if (isStoreStatus(err, 404)) return undefined; // deleted meanwhile
    throw err;
  }
  return {
    db,
    userId: parsed.userId,
    shard: shardOfDatabase(db, config.shard.count),
    checkpoint: checkpoint ?? null,
    pending,
    oldestPendingSessionAt: oldest === undefined ? null : new Date(oldest).toISOString(),
  };
}

/** Human-readable age: 45s, 12m, 3h 5m, 2d 4h. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** The report as a table for a terminal: databases with a backlog first, then the totals. */
export function formatStatus(report: StatusReport, options: { all?: boolean } = {}): string {
  const now = Date.parse(report.generatedAt);
  const shown = options.all ? report.databases : report.databases.filter((d) => d.pending > 0);
  const lines: string[] = [];
  if (shown.length > 0) {
    const width = Math.max(8, ...shown.map((d) => d.db.length));
    lines.push(`${'database'.padEnd(width)}  shard  pending  oldest waiting`);
    for (const d of [...shown].sort((a, b) => b.pending - a.pending || a.db.localeCompare(b.db))) {
      const age = d.oldestPendingSessionAt ? formatAge(Math.max(0, Math.round((now - Date.parse(d.oldestPendingSessionAt)) / 1000))) : '-';
      lines.push(`${d.db.padEnd(width)}  ${String(d.shard).padStart(5)}  ${String(d.pending).padStart(7)}  ${age}`);
    }
    lines.push('');
  }
  const t = report.total;
  lines.push(`sessions databases: ${t.databases} (${t.databasesBehind} behind)`);
  lines.push(`pending changes:    ${t.pending}`);
  lines.push(`oldest waiting:     ${t.oldestPendingAgeS === null ? '-' : `${formatAge(t.oldestPendingAgeS)} (session started ${t.oldestPendingSessionAt})`}`);
  lines.push(`analysis version:   ${report.analysisVersion}`);
  if (report.workers.length === 0) lines.push('workers:            none has run yet');
  for (const w of report.workers) {
    lines.push(`worker ${w.shard}:`.padEnd(20) + (w.stoppedAt ? `stopped ${w.stoppedAt}` : `started ${w.startedAt} (pid ${w.pid}), not stopped cleanly since`));
  }
  lines.push(`last error:         ${report.lastError ? `${report.lastError.at} shard ${report.lastError.shard}${report.lastError.db ? ` ${report.lastError.db}` : ''}: ${report.lastError.message}` : 'none'}`);
  return lines.join('\n');
}
