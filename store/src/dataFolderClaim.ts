import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { INTERNAL_PREFIX } from './databaseNames.js';

/** Folders claimed by stores of this process (LevelDB's lock does not see a second store in the same process). */
const claimedHere = new Set<string>();

const pidFile = (dataDir: string): string => join(dataDir, `${INTERNAL_PREFIX}store.pid`);

/** LevelDB's answer when another process holds a database's LOCK file. */
function isLevelLockError(err: unknown): boolean {
  return err instanceof Error && /\block\b.*\bLOCK\b/i.test(err.message);
}

async function recordedPid(dataDir: string): Promise<string> {
  const text = await readFile(pidFile(dataDir), 'utf8').catch(() => '');
  return /^\d+$/.test(text.trim()) ? text.trim() : 'unknown';
}

function inUse(dataDir: string, pid: string, cause?: unknown): Error {
  return new Error(
    `the data folder ${dataDir} is in use by another store process (pid ${pid}?): stop that store, or give this one its own DATA_DIR`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * One store per data folder: two would corrupt each other's LevelDB files.
 * The claim is LevelDB's own lock on the first database the store opens
 * (released by the operating system if the process dies); the pid beside it
 * names the holder for the person who meets the error.
 */
export class DataFolderClaim {
  private constructor(private readonly dataDir: string) {}

  /** Claims `dataDir` by running `openFirstDatabase`; fails with a message naming the holder when the folder is taken. */
  static async claim<T>(dataDir: string, openFirstDatabase: () => Promise<T>): Promise<{ claim: DataFolderClaim; opened: T }> {
    const key = resolve(dataDir);
    if (claimedHere.has(key)) throw inUse(dataDir, String(process.pid));
    claimedHere.add(key);
    try {
      const opened = await openFirstDatabase();
      await writeFile(pidFile(dataDir), `${process.pid}\n`);
      return { claim: new DataFolderClaim(key), opened };
    } catch (err) {
      claimedHere.delete(key);
      if (isLevelLockError(err)) throw inUse(dataDir, await recordedPid(dataDir), err);
      throw err;
    }
  }

  /** After the store's databases are closed. */
  async release(): Promise<void> {
    await rm(pidFile(this.dataDir), { force: true });
    claimedHere.delete(this.dataDir);
  }
}
