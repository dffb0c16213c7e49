import { careDatabase, userDatabases, type AttentionThresholds } from '@m2m/analysis-core';
import {
  allDocs,
  backoffDelay,
  describeError,
  isAborted,
  isMissingDatabase,
  isStoreStatus,
  isTransient,
  sinceParam,
  sleep,
  StoreError,
  systemDatabases,
  unlessAborted,
  type Seq,
  type StoreClient,
} from '@m2m/couch';
import type { Component } from '@m2m/service-kit';
import type { Registry } from 'prom-client';
import { CareMetrics } from './careMetrics.js';
import type { WorkerConfig } from '../config.js';
import type { CheckpointStore } from '../feed/checkpointStore.js';
import type { Logger } from '../logging.js';
import { shardLabel } from '../shard.js';
import { ownsSessionsDatabase } from '../worker/ownedDatabases.js';
import { ProgressDbCache, type ProgressSnapshot } from '../writer/progressDbCache.js';
import { mapBounded } from '../worker/mapBounded.js';
import { CareDatabaseWriter, type CareWriteOutcome } from './careDatabaseWriter.js';
import { careDocuments, patientView } from './careDocuments.js';
import { parseLinkDoc, parseLinkId } from './linkDoc.js';
import { LinkIndex } from './linkIndex.js';
import { writeLinkMirror } from './linkMirrorWriter.js';
import { KeyedSerial } from './keyedSerial.js';
import { LinkRetries } from './linkRetries.js';
import { CareWriteQueue, type DuePatient } from './careWriteQueue.js';

export interface CareUpkeepOptions {
  config: Pick<WorkerConfig, 'dbPrefix' | 'shard' | 'careRefreshMs'>;
  store: StoreClient;
  checkpoints: CheckpointStore;
  logger: Logger;
  /** Wait of one long poll on the links database. */
  feedTimeoutMs: number;
  /** The clock flags are evaluated at (tests). */
  now?: () => number;
  thresholds?: AttentionThresholds;
  recordError?(message: string): void;
  /** The worker's Prometheus registry, for the care metrics. */
  registry?: Registry;
}

export interface CareCounters {
  /** Link changes applied from the links feed. */
  linkChanges: number;
  /** Care documents written, tombstoned, and found equal (not rewritten). */
  written: number;
  deleted: number;
  unchanged: number;
  /** Store requests made for the care databases, the patients' progress reads and the mirrors. */
  requests: number;
  /** Re-evaluations of every active link (the timer). */
  refreshes: number;
  /** Link changes that kept failing and were left to background retries (the feed went on). */
  linkFailures: number;
}

/** Link changes per long-poll answer. */
const LINKS_PER_POLL = 200;
const INDEX_PAGE = 1000;
/** Attempts at a link change the feed waits for (transient failures only) before leaving it to background retries. */
const INLINE_ATTEMPTS = 3;
/** Link changes applied at once. */
const LINK_CONCURRENCY = 8;
/** Care databases written at once, and patients per care database per round (one `_bulk_docs`). */
const CARE_WRITERS = 4;
const ROUND_PATIENTS = 50;
/** Patients' progress read at once for one round. */
const VIEW_CONCURRENCY = 4;

/**
 * Keeps every clinician's care database in step with the patients who share
 * with them, for the links whose patient this shard owns (a link belongs to
 * the shard of the patient's sessions database):
 * - follows `<prefix>links` `_changes` from a checkpoint saved in the worker
 *   database after the change's writes (at least once): an active link
 *   copies the patient's progress, analyses and flags and a revoked one
 *   tombstones them; either way the link is mirrored into the patient's
 *   progress database;
 * - after the pipeline writes a patient's analyses and progress, marks the
 *   patient due in each follower's care database (`patientWritten`, which
 *   does not wait: the patient's checkpoint never waits for a clinician's
 *   database); a CareWriteQueue writes each care database's due patients
 *   together, a bounded number of care databases at once;
 * - re-evaluates every active link at start (what was due when the process
 *   ended is written then: at least once) and on a timer, reading the care
 *   databases afresh (inactivity grows with time alone).
 * One care database is written one round at a time, so a revoke's
 * tombstones never cross an older copy; one patient's mirrors go in order.
 */
export class CareUpkeep implements Component {
  readonly name = 'care upkeep';
  readonly counters: CareCounters = { linkChanges: 0, written: 0, deleted: 0, unchanged: 0, requests: 0, refreshes: 0, linkFailures: 0 };
  private readonly index = new LinkIndex();
  private readonly progress = new ProgressDbCache();
  private readonly care: CareDatabaseWriter;
  private readonly serial = new KeyedSerial();
  private readonly queue: CareWriteQueue;
  private readonly retries: LinkRetries;
  /** The links checkpoint last saved, so a pinned one is not saved again and again. */
  private saved: Seq | undefined;
  /** The pipeline's view of each patient's progress database, used by the next round instead of a store read. */
  private readonly snapshots = new Map<string, () => Promise<ProgressSnapshot>>();
  private readonly controller = new AbortController();
  private readonly linksDb: string;
  private readonly checkpointKey: string;
  private feed: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private since: Seq | undefined;
  private readonly metrics: CareMetrics | undefined;

  constructor(private readonly options: CareUpkeepOptions) {
    this.care = new CareDatabaseWriter(options.store);
    this.queue = new CareWriteQueue({
      concurrency: CARE_WRITERS,
      roundSize: ROUND_PATIENTS,
      write: (clinicianId, patients) => this.writeRound(clinicianId, patients),
      onFailure: (clinicianId, err, attempt, retryInMs) => this.failed("writing a clinician's care database failed; retrying", err, { clinicianId, attempt, retryInMs }),
    });
    this.retries = new LinkRetries({
      apply: (id, doc) => this.applyChange(id, doc),
      onFailure: (id, err, attempt, retryInMs) => {
        // Loud at first, then now and then: a link that keeps failing must not flood the log.
        if (attempt <= 3 || attempt % 20 === 0) this.failed('a care link change keeps failing; retrying it in the background', err, { id, attempt, retryInMs });
      },
      onApplied: (id, attempts) => this.options.logger.info({ id, attempts }, 'a care link change that had failed is applied'),
    });
    this.linksDb = systemDatabases(options.config.dbPrefix).links;
    // One worker database serves every shard: each follows the links feed with its own position.
    this.checkpointKey = `${this.linksDb}@${shardLabel(options.config.shard)}`;
    this.metrics = options.registry ? new CareMetrics(options.registry, () => this.index.activeCount, () => this.queue.pending, () => this.retries.size) : undefined;
  }

  async start(): Promise<void> {
    this.since = await this.options.checkpoints.read(this.checkpointKey);
    this.saved = this.since;
    await this.loadIndex();
    // The start-up reconciliation: copies the pipeline marked due and a crash lost are written now.
    const began = Date.now();
    this.refreshAll().then(
      () => this.options.logger.info({ links: this.index.activeCount, ms: Date.now() - began }, 'care links reconciled at start'),
      (err: unknown) => this.failed('reconciling the care links at start failed', err, {}),
    );
    this.feed = this.follow();
    // A pass still under way when the next is due is not doubled.
    this.timer = setInterval(() => {
      if (!this.refreshing) this.refreshAll().catch((err: unknown) => this.failed('re-evaluating the care links failed', err, {}));
    }, this.options.config.careRefreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.controller.abort(new StoreError({ kind: 'aborted', target: `GET /${this.linksDb}/_changes` }));
    // No retry starts from here on (one under way ends with the queue).
    const retriesStopped = this.retries.stop();
    // The queue first: a link change waiting for a care database that does not answer gives up, and the feed ends.
    await this.queue.stop();
    await this.feed;
    await retriesStopped;
    await this.refreshing?.catch(() => undefined);
    await this.serial.idle();
  }

  /** Active links this shard keeps. */
  get activeLinks(): number {
    return this.index.activeCount;
  }

  /** (clinician, patient) copies due and not yet written. */
  get dueCopies(): number {
    return this.queue.pending;
  }

  /**
   * The pipeline wrote a patient's analyses or progress: their followers'
   * copies are due. Returns at once; the care writes follow in their own
   * rounds (a crash before them is made good by the start-up reconciliation).
   */
  patientWritten(patientId: string, snapshot?: () => Promise<ProgressSnapshot>): Promise<void> {
    const links = this.index.active(patientId);
    if (links.length === 0) return Promise.resolve();
    if (snapshot) this.snapshots.set(patientId, snapshot);
    for (const link of links) this.queue.mark(link.clinicianId, patientId, false);
    return Promise.resolve();
  }

  /** Resolves once every copy marked due so far is written (tests, the worker's `idle`). */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** Re-evaluates every active link now, after any pass under way (the timer's job; tests call it). */
  async refreshAll(): Promise<void> {
    while (this.refreshing) await this.refreshing.catch(() => undefined);
    this.refreshing = this.refreshPass().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshPass(): Promise<void> {
    const marks: Array<Promise<void>> = [];
    for (const patientId of this.index.patientsWithActiveLinks()) {
      for (const link of this.index.active(patientId)) marks.push(this.queue.mark(link.clinicianId, patientId, true, true));
    }
    // Failures are logged by the queue and retried there.
    await Promise.allSettled(marks);
    this.counters.refreshes += 1;
  }

  private owns(patientId: string): boolean {
    return ownsSessionsDatabase(this.options.config, userDatabases(this.options.config.dbPrefix, patientId).sessions);
  }

  /** Every link this shard owns, read once at start so the pipeline knows who follows whom from its first batch. */
  private async loadIndex(): Promise<void> {
    let startkey = 'link:';
    for (;;) {
      let page;
      try {
        page = await allDocs<Record<string, unknown>>(this.options.store, this.linksDb, { startkey, endkey: 'link:\ufff0', include_docs: true, limit: INDEX_PAGE + 1 }, { retry: true });
      } catch (err) {
        if (!isMissingDatabase(err)) throw err;
        this.options.logger.warn({ db: this.linksDb }, 'no links database yet; care links will be followed once it exists');
        return;
      }
      const rows = page.rows.slice(0, INDEX_PAGE);
      for (const row of rows) {
        const link = parseLinkDoc(row.doc);
        if (link && this.owns(link.patientId)) this.index.set(link);
      }
      const next = page.rows[INDEX_PAGE];
      if (!next) return;
      startkey = next.id;
    }
  }

  private async follow(): Promise<void> {
    const { store, feedTimeoutMs, logger } = this.options;
    const signal = this.controller.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const poll = store.request<{ results?: Array<{ id?: unknown; deleted?: boolean; doc?: unknown }>; last_seq?: Seq }>({
          db: this.linksDb,
          path: '_changes',
          qs: { feed: 'longpoll', since: sinceParam(this.since), timeout: feedTimeoutMs, limit: LINKS_PER_POLL, include_docs: true, style: 'main_only' },
          timeoutMs: feedTimeoutMs + store.timeoutMs,
          signal,
        });
        const answer = await unlessAborted(poll, signal, `GET /${this.linksDb}/_changes`);
        if (signal.aborted) return;
        const pageStart = this.since;
        // Patients side by side, each patient's changes in feed order (applyChange queues them at once, in order).
        await mapBounded(answer.results ?? [], LINK_CONCURRENCY, async (row) => {
          if (typeof row.id === 'string') await this.applyOrDefer(row.id, row.deleted === true ? null : row.doc, pageStart);
        });
        if (answer.last_seq !== undefined) {
          this.since = answer.last_seq;
          // Saved after the writes: a crash before this repeats the page, whose writes are idempotent. A change still
          // retried in the background keeps the checkpoint before its page, so a restart applies it again.
          const keep = this.retries.pinned();
          const checkpoint = keep ? keep.since : answer.last_seq;
          if (checkpoint !== undefined && checkpoint !== this.saved) {
            await this.options.checkpoints.save(this.checkpointKey, checkpoint);
            this.saved = checkpoint;
          }
        }
        failures = 0;
      } catch (err) {
        if (signal.aborted || isAborted(err)) return;
        failures += 1;
        if (isStoreStatus(err, 404)) {
          if (failures === 1 || failures % 20 === 0) logger.debug({ db: this.linksDb }, 'no links database yet');
        } else {
          this.failed('applying a care link failed; retrying', err, { failures });
        }
        await sleep(backoffDelay(failures), signal).catch(() => undefined);
      }
    }
  }

  /**
   * Applies one change of the feed; a transient failure (no answer, 5xx, a
   * conflict) is tried again a few times, then a change that keeps failing is
   * recorded and left to background retries, and the feed goes on: one bad
   * link never holds the changes (and revokes) behind it.
   */
  private async applyOrDefer(id: string, doc: unknown, pageStart: Seq | undefined): Promise<void> {
    this.retries.supersede(id);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.applyChange(id, doc);
        return;
      } catch (err) {
        if (this.controller.signal.aborted || isAborted(err)) throw err;
        if (attempt < INLINE_ATTEMPTS && (isTransient(err) || isStoreStatus(err, 409))) {
          await sleep(backoffDelay(attempt), this.controller.signal);
          continue;
        }
        this.counters.linkFailures += 1;
        this.metrics?.linkFailures.inc();
        this.failed('a care link change failed; the links feed goes on and retries it in the background', err, { id, attempt });
        this.retries.add(id, doc, pageStart, attempt);
        return;
      }
    }
  }

  /** One change of the links database; `doc` null: the document was deleted. Resolves once the care database follows it. */
  private async applyChange(id: string, doc: unknown): Promise<void> {
    const pair = parseLinkId(id);
    if (!pair || !this.owns(pair.patientId)) return;
    let link: ReturnType<typeof parseLinkDoc> = null;
    if (doc === null || doc === undefined) {
      // A deleted link (an account removed): its data leaves the care database as on a revoke.
      this.index.remove(pair.patientId, pair.clinicianId);
    } else {
      link = parseLinkDoc(doc);
      if (!link) {
        this.options.logger.warn({ id }, 'skipped a links document the worker cannot read');
        return;
      }
      this.index.set(link);
    }
    // The round decides from the index: a copy for an active link, bare tombstones otherwise.
    const followCare = (): Promise<void> => {
      if (this.index.active(pair.patientId).length === 0) this.snapshots.delete(pair.patientId);
      return this.queue.mark(pair.clinicianId, pair.patientId, true, true);
    };
    // A revoke clears the care copy before anything else is tried: a mirror that fails cannot keep the data there.
    if (link?.status !== 'active') await followCare();
    if (link) {
      const mirrored = await this.serial.run(link.patientId, () => writeLinkMirror(this.options.store, this.options.config.dbPrefix, link));
      this.counters.requests += mirrored === 'unchanged' ? 1 : 2;
      // The patient is gone: so is what their followers held of them.
      if (mirrored === 'user-gone') this.index.remove(link.patientId, link.clinicianId);
      if (link.status === 'active') await followCare();
    }
    this.counters.linkChanges += 1;
    this.metrics?.linkChanges.inc();
  }

  /** One round of a clinician's care database: each due patient's documents as the index and their progress say now, in one `_bulk_docs`. */
  private async writeRound(clinicianId: string, due: DuePatient[]): Promise<void> {
    const careDb = careDatabase(this.options.config.dbPrefix, clinicianId);
    const writes = await mapBounded(due, VIEW_CONCURRENCY, async ({ patientId, fresh }) => {
      const link = this.index.active(patientId).find((l) => l.clinicianId === clinicianId);
      if (!link) return { patientId, desired: null, fresh };
      const view = await this.view(patientId, fresh ? undefined : this.snapshots.get(patientId));
      // The progress database is gone (the account is being removed): nothing to copy, the link's removal clears it.
      if (!view) return undefined;
      return { patientId, desired: careDocuments(link, view), fresh };
    });
    // A revoke that came while the views were read is due again in this care database, so its tombstones follow this round.
    const items = writes.filter((w) => w !== undefined);
    if (items.length === 0) return;
    this.tally(careDb, await this.care.reconcileMany(careDb, items));
  }

  /** The patient's data and flags now, or undefined when their progress database is gone. */
  private async view(patientId: string, source?: () => Promise<ProgressSnapshot>): Promise<ReturnType<typeof patientView> | undefined> {
    const db = userDatabases(this.options.config.dbPrefix, patientId).progress;
    try {
      let snapshot: ProgressSnapshot;
      if (source) {
        snapshot = await source();
      } else {
        snapshot = await this.progress.snapshot(this.options.store, db);
        this.counters.requests += 1;
      }
      const now = new Date(this.options.now?.() ?? Date.now()).toISOString();
      return patientView(patientId, snapshot, now, this.options.thresholds);
    } catch (err) {
      if (isMissingDatabase(err)) return undefined;
      throw err;
    }
  }

  private tally(careDb: string, outcome: CareWriteOutcome): void {
    if (outcome === 'no-database') {
      // The clinician's account is gone (or not yet made): nothing to keep.
      this.care.forgetDatabase(careDb);
      this.options.logger.debug({ db: careDb }, 'no care database; skipped');
      return;
    }
    this.counters.written += outcome.written;
    this.counters.deleted += outcome.deleted;
    this.counters.unchanged += outcome.unchanged;
    this.counters.requests += outcome.requests;
    this.metrics?.documents.inc({ result: 'written' }, outcome.written);
    this.metrics?.documents.inc({ result: 'deleted' }, outcome.deleted);
    this.metrics?.documents.inc({ result: 'unchanged' }, outcome.unchanged);
  }

  private failed(message: string, err: unknown, fields: Record<string, unknown>): void {
    this.options.logger.warn({ ...fields, err: describeError(err) }, message);
    this.options.recordError?.(`${message}: ${describeError(err)}`);
  }
}
