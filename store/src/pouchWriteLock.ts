import type { PouchDatabase } from './databasePool.js';

type Callback = (err: Error | null, value?: unknown) => void;
type Compaction = (docId: string, revs: string[], opts: unknown, callback: Callback) => void;

/** The members of PouchDB's LevelDB adapter (pouchdb 9.0.0) the lock goes through. */
interface AdapterInternals {
  _doCompaction?: Compaction;
  _doCompactionNoLock?: Compaction;
}

/** Marks the options of a `_doCompaction` call that carries a task instead of a compaction. */
const LOCKED_TASK = Symbol('lockedTask');
const hooked = new WeakSet<object>();

/**
 * Runs `task` holding the write lock of `db`'s LevelDB files: PouchDB's
 * LevelDB adapter queues every write of a database (bulk docs, local docs,
 * compaction), across all its instances of that database, and runs them one
 * at a time. The adapter's only locked entry that can be handed other work is
 * `_doCompaction`, which calls the instance's `_doCompactionNoLock` under the
 * lock: that call is diverted to `task` when it carries the marker, so
 * nothing else reads or writes the database's documents meanwhile. `task`
 * must not itself wait for a PouchDB operation on `db` (it would wait for
 * itself); it works on the LevelDB handle directly. The database must be
 * open (e.g. after `db.info()`).
 */
export function underWriteLock<T>(db: PouchDatabase, task: () => Promise<T>): Promise<T> {
  const adapter = db as unknown as AdapterInternals;
  const locked = adapter._doCompaction;
  const original = adapter._doCompactionNoLock;
  if (typeof locked !== 'function' || typeof original !== 'function') {
    throw new Error('this PouchDB adapter offers no write lock (_doCompaction); the store expects pouchdb 9.0.0 over LevelDB');
  }
  if (!hooked.has(adapter)) {
    hooked.add(adapter);
    adapter._doCompactionNoLock = function (this: unknown, docId, revs, opts, callback) {
      const carried = typeof opts === 'object' && opts !== null ? (opts as Record<symbol, unknown>)[LOCKED_TASK] : undefined;
      if (typeof carried !== 'function') return original.call(this, docId, revs, opts, callback);
      (carried as () => Promise<unknown>)().then(
        (value) => callback(null, value),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    };
  }
  return new Promise<T>((resolve, reject) => {
    locked.call(adapter, '', [], { [LOCKED_TASK]: task }, (err, value) => (err ? reject(err) : resolve(value as T)));
  });
}
