import { readFileSync } from 'node:fs';

/**
 * The embedded store's default bound on open databases, derived from the
 * process's file-handle limit, so that a machine with room for more users
 * keeps more of them open without a setting.
 *
 * Measured: 200 open LevelDB databases held 834 file handles (about 4.2
 * each). The bound gives each database 5 handles out of half the limit; the
 * other half is left for sockets (every live feed is one), log files and the
 * runtime. So `ulimit -n 1024` gives 102, 20,000 gives 2,000, 65,536 gives
 * 6,553.
 */
export const HANDLES_PER_DATABASE = 5;
export const MIN_OPEN_DATABASES = 10;
export const MAX_OPEN_DATABASES = 100_000;

/**
 * Where the limit cannot be read (no /proc: macOS, Windows), the usual soft
 * limit of a Linux shell is assumed; set STORE_MAX_OPEN_DATABASES there.
 */
export const FALLBACK_FILE_HANDLE_LIMIT = 1024;

/**
 * The soft "Max open files" limit of this process, from /proc/self/limits
 * (Linux). Node raises its soft limit to the hard one at start-up, so this is
 * the limit that applies, not necessarily what `ulimit -n` showed before.
 * Undefined where the file is missing or says "unlimited".
 */
export function readFileHandleLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function maxOpenDatabasesFor(fileHandleLimit: number): number {
  const bound = Math.floor(fileHandleLimit / 2 / HANDLES_PER_DATABASE);
  return Math.min(MAX_OPEN_DATABASES, Math.max(MIN_OPEN_DATABASES, bound));
}

/** The default bound and what it was derived from (for the start-up log). */
export function defaultMaxOpenDatabases(limit = readFileHandleLimit()): { maxOpen: number; fileHandleLimit: number; measured: boolean } {
  const fileHandleLimit = limit ?? FALLBACK_FILE_HANDLE_LIMIT;
  return { maxOpen: maxOpenDatabasesFor(fileHandleLimit), fileHandleLimit, measured: limit !== undefined };
}
