import { careDatabase, userDatabases, type AttentionThresholds } from '@m2m/analysis-core';
import {
  allDocs,
  backoffDelay,
  describeError,
  isAborted,
  isMissingDatabase,
  isStoreStatus,
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
import { parseLinkDoc, parseLinkId, type LinkDoc } from './linkDoc.js';
import { LinkIndex } from './linkIndex.js';
import { writeLinkMirror } from './linkMirrorWriter.js';
import { KeyedSerial } from './keyedSerial.js';

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
}

/** Link changes per long-poll answer. */
const LINKS_PER_POLL = 200;
const INDEX_PAGE = 1000;
/** Link changes applied at once. */
const LINK_CONCURRENCY = 8;

/**
 * Keeps every clinician's care database in step with the patients who share
 * with them, for the links whose patient this shard owns (a link belongs to
 * the shard of the patient's sessions database):
 * - follows `<prefix>links` `_changes` from a checkpoint saved in the worker
 *   database after the change's writes (at least once): an active link
 *   copies the patient's progress, analyses and flags and a revoked one
 *   tombstones them; either way the link is mirrored into the patient's
 *   progress database;
 * - after the pipeline writes a patient's analyses and progress, brings each
 *   active link's copy up to date (`patientWritten`, awaited by the batch);
 * - re-evaluates every active link on a timer, reading the care databases
 *   afresh (inactivity grows with time alone).
 * One patient's updates run one at a time, in order.
 */
export class CareUpkeep implements Component {
  readonly name = 'care upkeep';
  readonly counters: CareCounters = { linkChanges: 0, written: 0, deleted: 0, unchanged: 0, requests: 0, refreshes: 0 };
  private readonly index = new LinkIndex();
  private readonly progress = new ProgressDbCache();
  private readonly care: CareDatabaseWriter;
  private readonly serial = new KeyedSerial();
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
    this.linksDb = systemDatabases(options.config.dbPrefix).links;
    // One worker database serves every shard: each follows the links feed with its own position.
    this.checkpointKey = `${this.linksDb}@${shardLabel(options.config.shard)}`;
    this.metrics = options.registry ? new CareMetrics(options.registry, () => this.index.activeCount) : undefined;
  }

  async start(): Promise<void> {
    this.since = await this.options.checkpoints.read(this.checkpointKey);
    await this.loadIndex();
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
    await this.feed;
    await this.refreshing;
    await this.serial.idle();
  }

  /** Active links this shard keeps. */
  get activeLinks(): number {
    return this.index.activeCount;
  }

  /**
   * The pipeline wrote a patient's analyses or progress: update the copy of
   * each clinician following them. Resolves once written, so the batch's
   * checkpoint follows the copy (at least once); throws on a store failure.
   */
  async patientWritten(patientId: string, snapshot?: () => Promise<ProgressSnapshot>): Promise<void> {
    if (this.index.active(patientId).length === 0) return;
    await this.serial.run(patientId, () => this.updatePatient(patientId, false, snapshot));
  }

  /** Re-evaluates every active link now, after any pass under way (the timer's job; tests call it). */
  async refreshAll(): Promise<void> {
    while (this.refreshing) await this.refreshing;
    this.refreshing = this.refreshPass().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshPass(): Promise<void> {
    for (const patientId of this.index.patientsWithActiveLinks()) {
      if (this.controller.signal.aborted) return;
      try {
        await this.serial.run(patientId, () => this.updatePatient(patientId, true));
      } catch (err) {
        this.failed("refreshing a patient's care documents failed", err, { patientId });
      }
    }
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
        const poll = store.request<{ results?: Array<{ id?: unknown; deleted?: boolean; doc?: unknown }>; last_seq?: Seq } | ''>({
          db: this.linksDb,
          path: '_changes',
          qs: { feed: 'longpoll', since: sinceParam(this.since), timeout: feedTimeoutMs, limit: LINKS_PER_POLL, include_docs: true, style: 'main_only' },
          timeoutMs: feedTimeoutMs + store.timeoutMs,
          signal,
        });
        const answer = await unlessAborted(poll, signal, `GET /${this.linksDb}/_changes`);
        if (signal.aborted || typeof answer !== 'object') return;
        // Patients side by side, each patient's changes in feed order (applyChange queues them at once, in order).
        await mapBounded(answer.results ?? [], LINK_CONCURRENCY, async (row) => {
          if (typeof row.id === 'string') await this.applyChange(row.id, row.deleted === true ? null : row.doc);
        });
        if (answer.last_seq !== undefined) {
          // Saved after the writes: a crash before this repeats the page, whose writes are idempotent.
          await this.options.checkpoints.save(this.checkpointKey, answer.last_seq);
          this.since = answer.last_seq;
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

  /** One change of the links database; `doc` null: the document was deleted. */
  private async applyChange(id: string, doc: unknown): Promise<void> {
    const pair = parseLinkId(id);
    if (!pair || !this.owns(pair.patientId)) return;
    if (doc === null || doc === undefined) {
      // A deleted link (an account removed): its data leaves the care database as on a revoke.
      this.index.remove(pair.patientId, pair.clinicianId);
      await this.serial.run(pair.patientId, () => this.clear(pair.patientId, pair.clinicianId));
      this.counters.linkChanges += 1;
      this.metrics?.linkChanges.inc();
      return;
    }
    const link = parseLinkDoc(doc);
    if (!link) {
      this.options.logger.warn({ id }, 'skipped a links document the worker cannot read');
      return;
    }
    this.index.set(link);
    await this.serial.run(link.patientId, () => this.applyLink(link));
    this.counters.linkChanges += 1;
    this.metrics?.linkChanges.inc();
  }

  private async applyLink(link: LinkDoc): Promise<void> {
    const mirrored = await writeLinkMirror(this.options.store, this.options.config.dbPrefix, link);
    this.counters.requests += mirrored === 'unchanged' ? 1 : 2;
    if (link.status === 'revoked' || mirrored === 'user-gone') {
      await this.clear(link.patientId, link.clinicianId);
      return;
    }
    const view = await this.view(link.patientId);
    if (!view) return;
    this.tally(careDatabase(this.options.config.dbPrefix, link.clinicianId), await this.care.reconcile(careDatabase(this.options.config.dbPrefix, link.clinicianId), link.patientId, careDocuments(link, view), { fresh: true }));
  }

  private async clear(patientId: string, clinicianId: string): Promise<void> {
    const careDb = careDatabase(this.options.config.dbPrefix, clinicianId);
    this.tally(careDb, await this.care.reconcile(careDb, patientId, null, { fresh: true }));
  }

  private async updatePatient(patientId: string, fresh: boolean, snapshot?: () => Promise<ProgressSnapshot>): Promise<void> {
    const links = this.index.active(patientId);
    if (links.length === 0) return;
    const view = await this.view(patientId, snapshot);
    if (!view) return;
    for (const link of links) {
      const careDb = careDatabase(this.options.config.dbPrefix, link.clinicianId);
      this.tally(careDb, await this.care.reconcile(careDb, patientId, careDocuments(link, view), { fresh }));
    }
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
