/**
 * How many changes a database's next turn reads. A turn of heavy sessions is
 * cut short by the analysis budget; reading a full batch of their documents
 * (a megabyte each) to keep a few would cost the store and the worker more
 * than the analysis saves, so after a cut the next turn reads about what fit,
 * and the size doubles back towards the batch size while whole pages fit.
 */
export class TurnSizes {
  private readonly limits = new Map<string, number>();

  constructor(private readonly batchSize: number) {}

  next(db: string): number {
    return this.limits.get(db) ?? this.batchSize;
  }

  /** A turn read `read` changes (asked for `limit`) and kept `taken` of them. */
  record(db: string, limit: number, read: number, taken: number): void {
    if (taken < read) this.limits.set(db, Math.max(1, taken));
    else if (read < limit) this.limits.delete(db); // caught up
    else if (limit * 2 >= this.batchSize) this.limits.delete(db);
    else this.limits.set(db, limit * 2);
  }

  forget(db: string): void {
    this.limits.delete(db);
  }
}
