import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The worker's Prometheus metrics, in a registry of its own (several workers
 * can share a process in tests).
 *
 * Lag is measured two ways: `session_lag` from the end of the game
 * (startedAt + duration, the closest the store has to "session created") to
 * the analysis written, which includes any time the phone was offline; and
 * `processing` from the moment the worker read the change to the analysis
 * written, the worker's own latency.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly processed: Counter<'status'>;
  readonly invalid: Counter;
  readonly deleted: Counter;
  readonly written: Counter<'doc'>;
  readonly unchanged: Counter<'doc'>;
  readonly refused: Counter;
  readonly retried: Counter<'reason'>;
  readonly threadFailures: Counter<'reason'>;
  readonly batches: Counter;
  readonly analysisDuration: Histogram;
  readonly sessionLag: Histogram;
  readonly processingLag: Histogram;
  readonly backlogGauge: Gauge;
  private readonly backlogByDb = new Map<string, number>();
  /** Set by the worker: databases waiting for (or due a retry of) processing. */
  queuedDatabases: () => number = () => 0;

  constructor(labels: { shard: string }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'm2m_sync_' });
    this.processed = new Counter({ name: 'm2m_sync_sessions_processed_total', help: 'Sessions analysed, by analysis status', labelNames: ['status'], registers });
    this.invalid = new Counter({ name: 'm2m_sync_sessions_invalid_total', help: 'Sessions that got an invalid analysis', registers });
    this.deleted = new Counter({ name: 'm2m_sync_analyses_deleted_total', help: 'Analyses removed because their session was deleted', registers });
    this.written = new Counter({ name: 'm2m_sync_documents_written_total', help: 'Analysis and progress documents written (new revisions)', labelNames: ['doc'], registers });
    this.unchanged = new Counter({ name: 'm2m_sync_documents_unchanged_total', help: 'Writes skipped because the stored content was equal', labelNames: ['doc'], registers });
    this.refused = new Counter({ name: 'm2m_sync_documents_refused_total', help: 'Analysis documents the store refused (not retried)', registers });
    this.retried = new Counter({ name: 'm2m_sync_retries_total', help: 'Retries after a store error or a failed batch', labelNames: ['reason'], registers });
    this.threadFailures = new Counter({ name: 'm2m_sync_thread_failures_total', help: 'Analysis threads that crashed or timed out', labelNames: ['reason'], registers });
    this.batches = new Counter({ name: 'm2m_sync_batches_total', help: 'Batches of changes processed and checkpointed', registers });
    this.analysisDuration = new Histogram({
      name: 'm2m_sync_analysis_duration_seconds',
      help: 'Time analyzeSession took per session, in its thread',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sessionLag = new Histogram({
      name: 'm2m_sync_session_lag_seconds',
      help: 'From the end of the game (startedAt + duration) to its analysis written; includes time the phone was offline',
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86_400, 7 * 86_400],
      registers,
    });
    this.processingLag = new Histogram({
      name: 'm2m_sync_processing_lag_seconds',
      help: 'From the worker reading the change to the analysis written',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    const backlogByDb = this.backlogByDb;
    this.backlogGauge = new Gauge({
      name: 'm2m_sync_backlog_changes',
      help: 'Changes not yet processed in the databases this worker owns, as last reported by the store',
      registers,
      collect() {
        let sum = 0;
        for (const n of backlogByDb.values()) sum += n;
        this.set(sum);
      },
    });
  }

  readonly queuedGauge = new Gauge({
    name: 'm2m_sync_databases_waiting',
    help: 'Sessions databases with news not yet processed (waiting, running or due a retry)',
    registers: [this.registry],
    collect: () => {
      this.queuedGauge.set(this.queuedDatabases());
    },
  });

  setBacklog(db: string, pending: number): void {
    if (pending > 0) this.backlogByDb.set(db, pending);
    else this.backlogByDb.delete(db);
  }

  backlog(): number {
    let sum = 0;
    for (const n of this.backlogByDb.values()) sum += n;
    return sum;
  }
}
