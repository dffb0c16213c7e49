type Callback = (err: unknown, result?: unknown) => void;
type LocalDoc = { _id?: unknown };

interface LocalDocMethods {
  _getLocal(id: string, callback: Callback): void;
  _putLocal(doc: LocalDoc, opts: unknown, callback?: Callback): void;
  _removeLocal(doc: LocalDoc, opts: unknown, callback?: Callback): void;
}

/** Where pouchdb-security keeps a database's `_security` object. */
export const SECURITY_DOC_ID = '_local/_security';

const PATCHED = Symbol('m2m.securityObjectCache');

/**
 * Keeps a database's security object in memory, as CouchDB does (it lives in
 * the database's header, read once per open). pouchdb-security reads it from
 * LevelDB on every request to check the caller's access: measured at 100
 * devices, 7% of the store's busy time. Each read gets a copy (its reader
 * fills in missing sections); any write of the object, through
 * `PUT /{db}/_security` or the `_local` route, drops the copy before and after
 * it is stored, and a read that started before a write is not kept.
 */
export function cacheSecurityObject(db: PouchDB.Database): void {
  const target = db as unknown as LocalDocMethods & { [PATCHED]?: true };
  if (target[PATCHED]) return;
  target[PATCHED] = true;
  let cached: unknown;
  let version = 0;
  /** Set once the object was written inside a `_bulk_docs` transaction, whose end we do not see: no more caching. */
  let uncacheable = false;
  const forget = (): void => {
    cached = undefined;
    version += 1;
  };

  const getLocal = target._getLocal.bind(db);
  target._getLocal = (id, callback) => {
    if (id !== SECURITY_DOC_ID) return getLocal(id, callback);
    if (cached !== undefined) {
      const copy = structuredClone(cached);
      queueMicrotask(() => callback(null, copy));
      return;
    }
    const readAt = version;
    getLocal(id, (err, doc) => {
      // Only a found object is kept: a database without one answers not_found, which is not worth keeping.
      if (!err && doc !== undefined && readAt === version && !uncacheable) cached = structuredClone(doc);
      callback(err, doc);
    });
  };

  for (const name of ['_putLocal', '_removeLocal'] as const) {
    const write = target[name].bind(db);
    target[name] = (doc, opts, callback) => {
      if (doc?._id !== SECURITY_DOC_ID) return write(doc, opts, callback);
      forget();
      if (typeof opts === 'object' && opts !== null && 'ctx' in opts) uncacheable = true;
      const done = typeof opts === 'function' ? (opts as Callback) : callback;
      const after: Callback = (err, result) => {
        forget();
        done?.(err, result);
      };
      return typeof opts === 'function' ? write(doc, after) : write(doc, opts, after);
    };
  }
}
