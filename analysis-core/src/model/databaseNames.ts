/**
 * The names of a user's two databases (one user = a sessions and a progress
 * database). The gateway creates them and the worker finds users by them, so
 * both take the names from here.
 */
export interface UserDatabases {
  sessions: string;
  progress: string;
}

export type UserDatabaseKind = keyof UserDatabases;

/** User ids: 26 characters of lowercase base32 (random, 130 bits), safe in a CouchDB database name and a URL. */
export const USER_ID_PATTERN = '^[a-z2-7]{26}$';
const USER_ID_RE = new RegExp(USER_ID_PATTERN);

export const isUserId = (value: unknown): value is string => typeof value === 'string' && USER_ID_RE.test(value);

export function userDatabases(prefix: string, userId: string): UserDatabases {
  return { sessions: `${prefix}u-${userId}-sessions`, progress: `${prefix}u-${userId}-progress` };
}

/** The user and kind of a user database name, or null for any other database. */
export function parseUserDatabase(prefix: string, name: string): { userId: string; kind: UserDatabaseKind } | null {
  if (!name.startsWith(`${prefix}u-`)) return null;
  const rest = name.slice(prefix.length + 2);
  for (const kind of ['sessions', 'progress'] as const) {
    const suffix = `-${kind}`;
    if (rest.endsWith(suffix)) {
      const userId = rest.slice(0, -suffix.length);
      return isUserId(userId) ? { userId, kind } : null;
    }
  }
  return null;
}

/**
 * A clinician's care database: the worker copies the progress and analyses of
 * every patient who shares with the clinician into it, and the clinician's
 * device pulls it. Its suffix is not a user database kind, so
 * parseUserDatabase never mistakes it for a sessions database.
 */
export function careDatabase(prefix: string, userId: string): string {
  return `${prefix}u-${userId}-care`;
}

/** The clinician of a care database name, or null for any other database. */
export function parseCareDatabase(prefix: string, name: string): { userId: string } | null {
  const head = `${prefix}u-`;
  const suffix = '-care';
  if (!name.startsWith(head) || !name.endsWith(suffix)) return null;
  const userId = name.slice(head.length, -suffix.length);
  return isUserId(userId) ? { userId } : null;
}

/**
 * The activity database: one document per user (id = user id) that the
 * gateway rewrites when the user starts syncing, and whose `_changes` the
 * sync worker follows to follow that user's sessions database before their
 * next session arrives. Server admins only.
 */
