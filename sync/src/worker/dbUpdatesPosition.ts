import type { CheckpointStore } from '../feed/checkpointStore.js';
import type { Logger } from '../logging.js';
import { describeError, isAborted, type Seq } from '@m2m/couch';

export interface DbUpdatesPositionOptions {
  checkpoints: CheckpointStore;
  /** Checkpoint key of the position (one per shard). */
  key: string;
  logger: Logger;
  /** Resolves once the turns are idle: true when every announced database is processed and no sweep is half done. */
  whenQuiet(): Promise<boolean>;
  isStopping(): boolean;
  delayMs?: number;
}

const SAVE_DELAY_MS = 2_000;

/**
 * The `_db_updates` position, saved beside the databases' checkpoints, but
 * only at a moment when every database it announced is processed: a restart
 * from it misses nothing.
 */
export class DbUpdatesPosition {
  private position: Seq | undefined;
  private saved: Seq | undefined;
  private timer: NodeJS.Timeout | undefined;
  private saving = false;

  constructor(private readonly options: DbUpdatesPositionOptions) {}

  /** The saved position (read from the loaded checkpoints); undefined at a first start. */
  load(): Seq | undefined {
    this.saved = this.options.checkpoints.get(this.options.key);
    return this.saved;
  }

  /** Every event up to `seq` is handed over: save it once processed. */
  moved(seq: Seq): void {
    this.position = seq;
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.saving || this.options.isStopping()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saving = true;
      void this.save().finally(() => {
        this.saving = false;
        if (this.position !== this.saved) this.schedule();
      });
    }, this.options.delayMs ?? SAVE_DELAY_MS);
    this.timer.unref();
  }

  private async save(): Promise<void> {
    try {
      const quiet = await this.options.whenQuiet();
      if (this.options.isStopping() || !quiet) return;
      const seq = this.position;
      if (seq === undefined || seq === this.saved) return;
      await this.options.checkpoints.save(this.options.key, seq);
      this.saved = seq;
    } catch (err) {
      if (!isAborted(err)) this.options.logger.warn({ err: describeError(err) }, 'saving the _db_updates position failed');
    }
  }
}
