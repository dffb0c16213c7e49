import { parseUserDatabase, type UserDatabaseKind } from '@m2m/analysis-core';
import { allDbs, ensureDatabase as createDatabase, type StoreClient } from '@m2m/couch';

/**
 * The worker's databases (its own, and the progress databases it writes)
 * are admin-only, and it waits out a store outage: created with retries.
 * True when this call created it.
 */
export function ensureDatabase(store: StoreClient, name: string, options: { q?: number } = {}): Promise<boolean> {
  return createDatabase(store, name, { ...options, adminOnly: true, retry: true });
}

const ALL_DBS_PAGE = 1000;

/** Every user database of one kind (sessions or progress), in name order, read page by page. */
export async function listUserDatabases(store: StoreClient, prefix: string, kind: UserDatabaseKind, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  const first = `${prefix}u-`;
  let startkey = first;
  let skip = 0;
  for (;;) {
    const page = await allDbs(store, { startkey, endkey: `${first}\ufff0`, limit: ALL_DBS_PAGE, ...(skip ? { skip } : {}) }, { retry: true, ...(signal ? { signal } : {}) });
    for (const name of page) if (parseUserDatabase(prefix, name)?.kind === kind) names.push(name);
    const last = page[page.length - 1];
    if (page.length < ALL_DBS_PAGE || last === undefined) return names;
    startkey = last;
    skip = 1;
  }
}
