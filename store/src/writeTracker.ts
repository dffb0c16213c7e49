import type { RequestHandler } from 'express';
import type { DatabaseCatalog } from './databaseCatalog.js';
import type { DbUpdatesLog } from './dbUpdatesLog.js';

/** Second path segments whose POST reads rather than writes. */
const READ_ENDPOINTS = new Set([
  '_changes',
  '_all_docs',
  '_bulk_get',
  '_revs_diff',
  '_missing_revs',
  '_find',
  '_explain',
  '_design_docs',
  '_local_docs',
  '_ensure_full_commit',
  '_compact',
  '_view_cleanup',
  '_temp_view',
]);

/**
 * Records an `updated` event for `_db_updates` for every successful write
 * to a database. Every write reaches the store over HTTP, so watching
 * responses sees them all, whether or not the database instance stays open.
 * `_local` documents and `_security` are left out: they never appear in the
 * database's changes feed, which is what an `updated` event announces.
 */
export function writeTracker(catalog: DatabaseCatalog, updates: DbUpdatesLog): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const segments = req.path.split('/').filter((s) => s.length > 0);
    const first = segments[0];
    const second = segments[1];
    if (first === undefined) return next();
    // Creation and deletion of the database itself are recorded by their routes.
    if (segments.length === 1 && req.method !== 'POST') return next();
    if (second !== undefined && (READ_ENDPOINTS.has(second) || second === '_local' || second === '_security')) {
      return next();
    }
    let name: string;
    try {
      name = decodeURIComponent(first);
    } catch {
      return next();
    }
    // Recorded as the answer goes out (not after), so the event is in the
    // next batch the log writes (at once when it has no write delay).
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (res.statusCode >= 200 && res.statusCode < 300 && catalog.has(name)) updates.record(name, 'updated');
      return end(...args);
    }) as typeof res.end;
    next();
  };
}
