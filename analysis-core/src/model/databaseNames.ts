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
 * A clinician's one database: what the worker keeps of each linked patient
 * (progress, analyses, flags), pulled by the clinician's device. Its name
 * ends in `-care`, so parseUserDatabase never takes it for a patient's.
 */
export function careDatabase(prefix: string, userId: string): string {
  return `${prefix}u-${userId}-care`;
}

/** The clinician whose care database this is, or null for any other database. */
export function parseCareDatabase(prefix: string, name: string): { userId: string } | null {
  const head = `${prefix}u-`;
  const tail = '-care';
  if (!name.startsWith(head) || !name.endsWith(tail)) return null;
  const userId = name.slice(head.length, -tail.length);
  return isUserId(userId) ? { userId } : null;
}
