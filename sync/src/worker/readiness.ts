import type { Logger } from '../logging.js';
import type { ReadinessReport } from '@m2m/service-kit';
import type { Component } from '@m2m/service-kit';

export interface ReadinessOptions {
  shard: string;
  logger: Logger;
  /** Aborted when the whole worker begins to stop. */
  stopping: AbortSignal;
  /** The start-up sweep is done (or none was needed). */
  startupSweepDone(): boolean;
  /** Databases waiting for a turn. */
  waiting(): number;
  /** More for GET /ready to show (queue, sweep, live feeds). */
  detail(): Record<string, unknown>;
}

const RECHECK_MS = 100;

/**
 * Caught up and ready. Caught up (once): the `_db_updates` feed's first
 * answer is handed over, a start-up sweep is done, and nothing announced
 * then still waits. Ready: caught up, and the feed answering now.
 */
export class Readiness implements Component {
  readonly name = 'readiness';
  private caught = false;
  private feedFailing = false;
  private feedCaughtUp = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: ReadinessOptions) {}

  get caughtUp(): boolean {
    return this.caught;
  }

  whenCaughtUp(): Promise<void> {
    if (this.caught) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The feed's first answer is handed over. */
  feedAnswered(): void {
    this.feedCaughtUp = true;
    this.check();
  }

  /** Whether the feed answers now (it moved on) or fails (it is retrying). */
  feedWorks(works: boolean): void {
    this.feedFailing = !works;
  }

  report(): ReadinessReport {
    return { ready: this.caught && !this.feedFailing, caughtUp: this.caught, feed: this.feedFailing ? 'failing' : 'ok', ...this.options.detail() };
  }

  async start(): Promise<void> {
    // Passive: the feed and the sweeps report to it.
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private check(): void {
    clearTimeout(this.timer);
    if (this.caught || this.stopped || this.options.stopping.aborted || !this.feedCaughtUp) return;
    if (!this.options.startupSweepDone() || this.options.waiting() > 0) {
      this.timer = setTimeout(() => this.check(), RECHECK_MS);
      this.timer.unref();
      return;
    }
    this.caught = true;
    this.options.logger.info({ shard: this.options.shard }, 'sync worker caught up');
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
