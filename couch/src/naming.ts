/** CouchDB's own system databases (single node setup). */
export const SYSTEM_DATABASES = ['_users', '_replicator', '_global_changes'] as const;

/** The system's own databases, named with the configured prefix. */
export function systemDatabases(prefix: string): { accounts: string; worker: string; activity: string; links: string } {
  // activity: where the gateway notes that a user started syncing, for the worker to follow them at once.
  // links: the care links between patients and clinicians (the source of truth the worker mirrors).
  return { accounts: `${prefix}accounts`, worker: `${prefix}worker`, activity: `${prefix}activity`, links: `${prefix}links` };
}

export const workerDatabase = (prefix: string): string => systemDatabases(prefix).worker;

/**
 * One shard per user database. A user's databases stay small (a few thousand
 * sessions at most), so more shards only multiply files: with CouchDB's
 * default q = 2 each user costs four shard files on one node (twelve on a
 * 3-node cluster with n = 3), each an open file while in use, and every
 * `_changes` read merges q streams. One shard also keeps a feed's order total.
 */
export const USER_DATABASE_SHARDS = 1;

/** Server admins only: CouchDB's default for new databases in 3.x, stated explicitly. */
export const ADMIN_ONLY_SECURITY = {
  admins: { names: [], roles: ['_admin'] },
  members: { names: [], roles: ['_admin'] },
} as const;
