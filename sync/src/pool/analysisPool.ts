import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { AnalysisDoc } from '@m2m/analysis-core';
import { unfinishedAnalysis } from './crashedAnalysis.js';
import { FairQueue } from './fairQueue.js';
import { estimateSessionCost, overBudgetAnalysis } from './sessionCost.js';
import type { AnalysisReply, AnalysisRequest, ThreadReady } from './threadProtocol.js';
import { analysisThreadUrl } from './threadEntry.js';

export interface AnalysisResult {
  analysis: AnalysisDoc;
  /** Time analyzeSession took in its thread; 0 when the analysis could not finish. */
  durationMs: number;
}

export interface AnalysisPoolOptions {
  size: number;
  /** A job running longer than this has its thread replaced (default 60 s). */
  jobTimeoutMs?: number;
  /** Attempts per job before it is recorded as an `invalid` analysis (default 2). */
  maxAttempts?: number;
  /**
   * Largest estimated cost (samples × channels, see estimateSessionCost) of a
   * session the pool analyses; a larger one gets an `invalid` analysis naming
   * the budget without reaching a thread. Default: no budget.
   */
  maxSessionCost?: number;
  /** Sessions costing at least this are heavy: the lane thread never takes one (default HEAVY_SESSION_COST). */
  heavyCost?: number;
  /** Heap limits per thread, so a hostile document costs a thread, not the process. */
  resourceLimits?: ResourceLimits;
  /** The thread's entry module (default: the built one, see analysisThreadUrl); tests substitute one that misbehaves. */
  threadUrl?: URL;
  onThreadFailure?(failure: { reason: 'crash' | 'timeout'; message: string; sessionId: string | undefined; willRetry: boolean }): void;
}

export interface AnalysisPoolStats {
  /** Every thread: the pool's size and the lane. */
  threads: number;
  /** Threads that have loaded and can take jobs. */
  ready: number;
  busy: number;
  queued: number;
  threadFailures: number;
  /** Synthetic warm-up analyses the threads ran before taking jobs, since the pool started. */
  warmUps: number;
}

export interface AnalyzeOptions {
  /** Whose session this is (a user, a database): jobs are served fairly between tenants by cost. */
  tenant?: string;
}

interface Job {
  id: number;
  doc: unknown;
  tenant: string;
  cost: number;
  attempts: number;
  resolve(result: AnalysisResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  failure: { reason: 'crash' | 'timeout'; message: string } | undefined;
  /** The thread has loaded its modules and said so. */
  ready: boolean;
  /** The lane: takes only sessions that are not heavy, and only while a heavy one runs. */
  lane: boolean;
}

/**
 * A session this large (about 15 minutes of the glove's 11 channels at
 * 100 Hz; one minute is 66,000) is heavy: while one runs, normal sessions
 * have the lane thread, so a normal session never waits for a heavy one.
 */
export const HEAVY_SESSION_COST = 1_000_000;

const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1024 };
/** Threads that die before they are ready, in a row, before the pool gives up (a broken installation). */
const MAX_STARTUP_FAILURES = 5;

/**
 * A fixed set of worker threads running analyzeSession, fed from a queue that
 * is fair between tenants (FairQueue: the tenant served the least cost goes
 * next). Every one of the `size` threads takes any job, so a backlog of heavy
 * sessions alone uses them all; one more thread, the lane, takes normal
 * sessions while heavy ones run, so a normal session never waits for a heavy
 * analysis to end (it shares the CPU with them meanwhile). Analysis is
 * deterministic, so which thread runs a job does not matter. A
 * thread that crashes or exceeds the job timeout is replaced and its job
 * retried; a job that fails `maxAttempts` times resolves to an `invalid`
 * analysis naming the failure. `analyze` never rejects while the pool is open.
 */
export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly queue = new FairQueue<Job>();
  private readonly threadUrl: URL;
  private readonly jobTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly heavyCost: number;
  private nextJobId = 1;
  private threadFailures = 0;
  private warmUps = 0;
  private startupFailures = 0;
  private closed = false;
  private brokenBy: Error | undefined;

  constructor(private readonly options: AnalysisPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('AnalysisPool: size must be a positive integer');
    this.threadUrl = options.threadUrl ?? analysisThreadUrl();
    this.jobTimeoutMs = options.jobTimeoutMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 2;
    this.heavyCost = options.heavyCost ?? HEAVY_SESSION_COST;
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(false));
    this.slots.push(this.spawn(true));
  }

  analyze(doc: unknown, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new Error('AnalysisPool: closed'));
    const cost = estimateSessionCost(doc);
    const budget = this.options.maxSessionCost;
    if (budget !== undefined && cost > budget) return Promise.resolve({ analysis: overBudgetAnalysis(doc, cost, budget), durationMs: 0 });
    return new Promise((resolve, reject) => {
      const tenant = options.tenant ?? '';
      this.queue.push(tenant, { id: this.nextJobId++, doc, tenant, cost, attempts: 0, resolve, reject }, cost);
      this.dispatch();
    });
  }

  /** Set when threads cannot even start (a broken installation): the pool has closed itself. */
  get broken(): Error | undefined {
    return this.brokenBy;
  }

  stats(): AnalysisPoolStats {
    return {
      threads: this.slots.length,
      ready: this.slots.filter((s) => s.ready).length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.size,
      threadFailures: this.threadFailures,
      warmUps: this.warmUps,
    };
  }

  /** Stops every thread; jobs not finished are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = [...this.queue.drain(), ...this.slots.flatMap((s) => (s.job ? [s.job] : []))];
    for (const job of pending) job.reject(new Error('AnalysisPool: closed'));
    await Promise.all(
      this.slots.map((slot) => {
        clearTimeout(slot.timer);
        slot.job = undefined;
        return slot.worker.terminate();
      }),
    );
  }

  private spawn(lane: boolean): Slot {
    const worker = new Worker(this.threadUrl, { resourceLimits: this.options.resourceLimits ?? DEFAULT_RESOURCE_LIMITS });
    const slot: Slot = { worker, job: undefined, timer: undefined, failure: undefined, ready: false, lane };
    worker.on('message', (message: AnalysisReply | ThreadReady) => {
      if ('ready' in message) {
        slot.ready = true;
        this.warmUps += message.warmUps ?? 0;
        this.startupFailures = 0;
        this.dispatch();
      } else {
        this.finish(slot, message);
      }
    });
    worker.on('error', (err) => {
      slot.failure ??= { reason: 'crash', message: err.message };
    });
    worker.on('exit', (code) => this.replace(slot, code));
    return slot;
  }

  private dispatch(): void {
    // The lane comes last in `slots`: a normal session takes it only when every other thread is busy.
    for (const slot of this.slots) {
      if (this.queue.size === 0) return;
      if (!slot.ready || slot.job || slot.failure) continue;
      if (slot.lane && !this.slots.some((s) => s.job && s.job.cost >= this.heavyCost)) continue;
      const job = slot.lane ? this.queue.shift((_, cost) => cost < this.heavyCost) : this.queue.shift();
      if (!job) continue;
      slot.job = job;
      job.attempts += 1;
      slot.timer = setTimeout(() => {
        slot.failure = { reason: 'timeout', message: `analysis took longer than ${this.jobTimeoutMs} ms` };
        void slot.worker.terminate();
      }, this.jobTimeoutMs);
      const request: AnalysisRequest = { jobId: job.id, doc: job.doc };
      try {
        slot.worker.postMessage(request);
      } catch (err) {
        // A document that cannot be cloned (never from JSON, but be safe): the job, not the thread, is at fault.
        clearTimeout(slot.timer);
        slot.job = undefined;
        job.resolve({ analysis: unfinishedAnalysis(job.doc, { code: 'analysis-error', message: String(err) }), durationMs: 0 });
      }
    }
  }

  private finish(slot: Slot, reply: AnalysisReply): void {
    const job = slot.job;
    if (!job || job.id !== reply.jobId) return;
    clearTimeout(slot.timer);
    slot.job = undefined;
    job.resolve({ analysis: reply.analysis, durationMs: reply.durationMs });
    this.dispatch();
  }

  private replace(slot: Slot, code: number): void {
    clearTimeout(slot.timer);
    if (this.closed) return;
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const failure = slot.failure ?? { reason: 'crash' as const, message: `analysis thread exited with code ${code}` };
    this.threadFailures += 1;
    const job = slot.job;
    slot.job = undefined;
    if (!slot.ready) {
      // It died loading, before any job reached it: the installation's fault, not a session's.
      this.startupFailures += 1;
      this.options.onThreadFailure?.({ ...failure, sessionId: undefined, willRetry: false });
    } else if (job) {
      const willRetry = job.attempts < this.maxAttempts;
      this.options.onThreadFailure?.({ ...failure, sessionId: sessionIdOf(job.doc), willRetry });
      if (willRetry) this.queue.unshift(job.tenant, job, job.cost);
      else {
        const code = failure.reason === 'timeout' ? 'analysis-timeout' : 'analysis-crashed';
        job.resolve({ analysis: unfinishedAnalysis(job.doc, { code, message: `${failure.message} (${job.attempts} attempts)` }), durationMs: 0 });
      }
    } else {
      this.options.onThreadFailure?.({ ...failure, sessionId: undefined, willRetry: false });
    }
    if (this.startupFailures >= MAX_STARTUP_FAILURES) {
      // Threads die before doing anything: the installation is broken, retrying forever would only spin.
      this.closed = true;
      const err = new Error(`AnalysisPool: analysis threads fail to start (${failure.message})`);
      this.brokenBy = err;
      for (const pending of this.queue.drain()) pending.reject(err);
      for (const other of this.slots) if (other.job) other.job.reject(err);
      return;
    }
    this.slots[index] = this.spawn(slot.lane);
    this.dispatch();
  }
}

function sessionIdOf(doc: unknown): string | undefined {
  const id = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['_id'] : undefined;
  return typeof id === 'string' ? id : undefined;
}
