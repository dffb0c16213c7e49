type Callback = (err: unknown, result?: unknown) => void;
type GetFn = (id: string, opts?: unknown, callback?: Callback) => Promise<unknown> | void;

const PATCHED = Symbol('m2m.couchErrorReasons');

/**
 * CouchDB answers a read of a deleted document with
 * {"error":"not_found","reason":"deleted"}; PouchDB puts "deleted" in the
 * error's `reason` but keeps "missing" as its message, which is what
 * express-pouchdb sends. Copy the reason into the message on that one error.
 */
export function reportDeletedLikeCouchDB(db: PouchDB.Database): void {
  const target = db as unknown as { get: GetFn; [PATCHED]?: true };
  if (target[PATCHED]) return;
  target[PATCHED] = true;
  const get = target.get.bind(db);
  const fix = (err: unknown): unknown => {
    const e = err as { status?: number; reason?: unknown; message?: string } | null;
    if (e && e.status === 404 && e.reason === 'deleted') e.message = 'deleted';
    return err;
  };
  target.get = (id, opts, callback) => {
    const cb = typeof opts === 'function' ? (opts as Callback) : callback;
    const options = typeof opts === 'function' || opts === undefined ? {} : opts;
    const result = (get(id, options) as Promise<unknown>).catch((err: unknown) => {
      throw fix(err);
    });
    if (!cb) return result;
    result.then(
      (doc) => cb(null, doc),
      (err: unknown) => cb(err),
    );
  };
}
