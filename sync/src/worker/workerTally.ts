import type { AnalysisPoolOptions } from '../pool/analysisPool.js';
import type { WorkerMetrics } from '../ops/workerMetrics.js';
import type { BatchResult } from './sessionBatch.js';
import type { WorkerStatusRecorder } from './workerStatusRecorder.js';

export interface WorkerCounters {
  /** Sessions analysed (ok and invalid). */
  processed: number;
  invalid: number;
  /** Analyses removed because their session was deleted. */
  deleted: number;
  /** Analysis documents written (new revisions). */
  written: number;
  /** Analyses whose stored content was already equal (no write). */
  unchanged: number;
  refused: number;
  progressWritten: number;
  /** Documents skipped (ids too long to name an analysis). */
  skipped: number;
  batches: number;
  /** Store calls, feed reads and failed batches retried. */
  retried: number;
  threadFailures: number;
}

type ThreadFailure = Parameters<NonNullable<AnalysisPoolOptions['onThreadFailure']>>[0];

/**
 * What the worker counts, in the three places it is read: the counters of
 * `stats()`, the Prometheus metrics, and the last error in the status document.
 */
export class WorkerTally {
  readonly counters: WorkerCounters = { processed: 0, invalid: 0, deleted: 0, written: 0, unchanged: 0, refused: 0, progressWritten: 0, skipped: 0, batches: 0, retried: 0, threadFailures: 0 };

  constructor(
    readonly metrics: WorkerMetrics,
    readonly status: WorkerStatusRecorder,
  ) {}

  /** A store call, the feed or a batch is retried; `error` becomes the last error. */
  retried(reason: 'store' | 'feed' | 'batch', error: string, db?: string): void {
    this.counters.retried += 1;
    this.metrics.retried.inc({ reason });
    this.status.recordError(error, db);
  }

  threadFailed(failure: ThreadFailure): void {
    this.counters.threadFailures += 1;
    this.metrics.threadFailures.inc({ reason: failure.reason });
    this.status.recordError(`analysis thread ${failure.reason}: ${failure.message}`);
  }

  batch(db: string, result: BatchResult & { skipped: number }): void {
    const c = this.counters;
    c.processed += result.analysed;
    c.invalid += result.invalid;
    c.deleted += result.deleted;
    c.written += result.written;
    c.unchanged += result.unchanged;
    c.refused += result.refused;
    c.skipped += result.skipped;
    c.batches += 1;
    if (result.progress === 'written') c.progressWritten += 1;
    if (result.refused > 0) this.status.recordError(`the store refused ${result.refused} analysis document(s)`, db);
  }
}
