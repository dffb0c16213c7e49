import type { Shard } from '../config.js';
import { shardLabel } from '../shard.js';
import { findDoc, isStoreStatus, putDoc, type StoreClient } from '@m2m/couch';
import type { Component } from '@m2m/service-kit';

export interface LastError {
  at: string;
  message: string;
  db?: string;
}

export const WORKER_STATUS_PREFIX = 'status:';

export const workerStatusId = (shard: Shard): string => `${WORKER_STATUS_PREFIX}shard-${shard.index}-of-${shard.count}`;

/** What each worker process leaves in the worker database for `m2m-sync status`. */
export interface WorkerStatusDoc {
  _id: string;
  _rev?: string;
  type: 'worker-status';
  shard: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  stoppedAt: string | null;
  lastError: LastError | null;
}

const FLUSH_INTERVAL_MS = 5_000;

/**
 * Keeps the worker's last error and writes it to the worker database at most
 * every few seconds, best effort: during a store outage the write fails and
 * is tried again later; it never holds up processing. Errors before `start`
 * (the worker database may not exist yet) are not recorded; `stop` writes the
 * final state with `stoppedAt`.
 */
export class WorkerStatusRecorder implements Component {
  readonly name = 'status recorder';
  private started = false;
  private last: LastError | null = null;
  private rev: string | undefined;
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stoppedAt: string | null = null;
  private startedAt = new Date().toISOString();

  constructor(
    private readonly store: StoreClient,
    private readonly workerDb: string,
    private readonly shard: Shard,
  ) {}

  get lastError(): LastError | null {
    return this.last;
  }

  async start(): Promise<void> {
    this.started = true;
    this.startedAt = new Date().toISOString();
    void this.flush();
  }

  async stop(): Promise<void> {
    if (this.started) await this.flush({ stopped: true });
  }

  recordError(message: string, db?: string): void {
    if (!this.started) return;
    this.last = { at: new Date().toISOString(), message, ...(db ? { db } : {}) };
    this.dirty = true;
    this.schedule();
  }

  /** Writes the current state now (one attempt); resolves whatever happens. */
  async flush(options: { stopped?: boolean } = {}): Promise<void> {
    if (options.stopped) {
      this.stoppedAt = new Date().toISOString();
      this.dirty = true;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.flushing;
    if (!this.dirty) return;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private schedule(): void {
    if (this.timer || this.stoppedAt) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => {
        if (this.dirty) this.schedule();
      });
    }, FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const id = workerStatusId(this.shard);
    this.dirty = false;
    const doc: WorkerStatusDoc = {
      _id: id,
      type: 'worker-status',
      shard: shardLabel(this.shard),
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      stoppedAt: this.stoppedAt,
      lastError: this.last,
    };
    try {
      if (this.rev === undefined) {
        const previous = await this.current(id);
        this.rev = previous?._rev;
        // A restart keeps the last error of the previous run until a new one happens.
        if (!this.last && previous?.lastError) doc.lastError = this.last = previous.lastError;
      }
      const saved = await putDoc(this.store, this.workerDb, { ...(this.rev ? { ...doc, _rev: this.rev } : doc), _id: id });
      this.rev = saved.rev;
    } catch (err) {
      if (isStoreStatus(err, 409)) this.rev = undefined;
      this.dirty = true;
      this.schedule();
    }
  }

  private current(id: string): Promise<WorkerStatusDoc | undefined> {
    return findDoc<WorkerStatusDoc>(this.store, this.workerDb, id);
  }
}
