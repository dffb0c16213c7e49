import { backoffDelay, type Seq } from '@m2m/couch';

export interface LinkRetriesOptions {
  /** Applies one change of the links database again (`doc` null: deleted). */
  apply(id: string, doc: unknown): Promise<void>;
  /** A retry failed; the next follows after `retryInMs`. */
  onFailure(id: string, err: unknown, attempt: number, retryInMs: number): void;
  /** A retried change is applied at last. */
  onApplied(id: string, attempts: number): void;
}

interface Entry {
  doc: unknown;
  /** The links feed position before the page that carried the change. */
  since: Seq | undefined;
  attempt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Link changes that kept failing, retried in the background with capped
 * backoff until applied, so that one bad link never holds the links feed
 * (and the revokes behind it). A newer change of the same link replaces
 * the one waiting here. The feed's checkpoint stays before the oldest change
 * still here (`pinned`), so a restart applies it again rather than lose it.
 */
export class LinkRetries {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: LinkRetriesOptions) {}

  /** Link changes waiting for a retry. */
  get size(): number {
    return this.entries.size;
  }

  /** The feed position before the oldest change still retried; undefined when none is. */
  pinned(): { since: Seq | undefined } | undefined {
    const first = this.entries.values().next();
    return first.done ? undefined : { since: first.value.since };
  }

  /** Retries the change after a backoff; `attempt`: the attempts made so far. */
  add(id: string, doc: unknown, since: Seq | undefined, attempt: number): void {
    if (this.stopped) return;
    this.supersede(id);
    const entry: Entry = { doc, since, attempt };
    this.entries.set(id, entry);
    this.arm(id, entry);
  }

  /** A newer change of this link is being applied: the older one is not retried. */
  supersede(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    await Promise.allSettled([...this.running]);
  }

  private arm(id: string, entry: Entry): void {
    entry.timer = setTimeout(() => {
      const run = this.retry(id, entry);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, backoffDelay(entry.attempt));
    entry.timer.unref();
  }

  private async retry(id: string, entry: Entry): Promise<void> {
    if (this.stopped || this.entries.get(id) !== entry) return;
    entry.attempt += 1;
    try {
      await this.options.apply(id, entry.doc);
    } catch (err) {
      if (this.stopped || this.entries.get(id) !== entry) return;
      this.options.onFailure(id, err, entry.attempt, backoffDelay(entry.attempt));
      this.arm(id, entry);
      return;
    }
    if (this.entries.get(id) !== entry) return;
    this.entries.delete(id);
    this.options.onApplied(id, entry.attempt);
  }
}
