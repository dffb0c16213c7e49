/**
 * One live PouchDB changes listener per database, however many feeds wait on
 * it: feeds subscribe here and, when poked, read what is new themselves. This
 * keeps the listener count flat (200 longpolls on one database hold one
 * listener, not 200) and gives every feed the same wake-up path.
 */
export interface ChangeSubscriber {
  onChange(): void;
  /** The listener stopped (database closed or deleted). */
  onEnd(): void;
}

interface Watch {
  live: PouchDB.Core.Changes<object>;
  subscribers: Set<ChangeSubscriber>;
}

export class ChangeNotifier {
  private readonly watches = new Map<PouchDB.Database, Watch>();
  subscriptions = 0;

  /** Live PouchDB listeners currently running. */
  get liveListeners(): number {
    return this.watches.size;
  }

  /**
   * Subscribes to changes of `db` after `since` (changes at or before it may
   * also poke; a poke only means "look again"). Returns the unsubscribe function.
   */
  subscribe(db: PouchDB.Database, since: number, subscriber: ChangeSubscriber): () => void {
    let watch = this.watches.get(db);
    if (!watch) watch = this.startWatch(db, since);
    watch.subscribers.add(subscriber);
    this.subscriptions += 1;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.subscriptions -= 1;
      const current = this.watches.get(db);
      if (!current || !current.subscribers.delete(subscriber)) return;
      if (current.subscribers.size === 0) this.stopWatch(db, current);
    };
  }

  private startWatch(db: PouchDB.Database, since: number): Watch {
    const live = db.changes<object>({ since, live: true, return_docs: false });
    const watch: Watch = { live, subscribers: new Set() };
    this.watches.set(db, watch);
    live.on('change', () => {
      for (const subscriber of [...watch.subscribers]) subscriber.onChange();
    });
    const ended = (): void => {
      if (this.watches.get(db) !== watch) return;
      this.watches.delete(db);
      for (const subscriber of [...watch.subscribers]) subscriber.onEnd();
    };
    live.on('complete', ended);
    live.on('error', ended);
    return watch;
  }

  private stopWatch(db: PouchDB.Database, watch: Watch): void {
    this.watches.delete(db);
    watch.live.cancel();
  }
}
