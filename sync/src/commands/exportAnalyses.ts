import { mkdir, readdir } from 'node:fs/promises';
import { parseUserDatabase, type AnalysisDoc } from '@m2m/analysis-core';
import { allDocs, checkStoreNow, isMissingDatabase, StoreClient } from '@m2m/couch';
import type { WorkerConfig } from '../config.js';
import { exportRow } from '../export/exportColumns.js';
import { openExportFile, type ExportFile, type ExportFormat } from '../export/exportFiles.js';
import { pseudonymOf, readExportKey } from '../export/pseudonyms.js';
import { listUserDatabases } from '../store/databases.js';

export interface ExportOptions {
  /** The folder the files go to (created if missing). */
  outDir: string;
  formats: readonly ExportFormat[];
  /** Aborting stops after the page in hand (checked between pages) and leaves the previous export's files as they were. */
  signal?: AbortSignal;
  onProgress?(progress: ExportProgress): void;
}

export interface ExportProgress {
  usersDone: number;
  usersTotal: number;
  analyses: number;
}

export interface ExportReport {
  users: number;
  analyses: number;
  /** The files written, by format (none when interrupted). */
  files: string[];
  interrupted: boolean;
}

/** Analyses read from the store per request. */
const PAGE = 500;
const PREFIX = 'analysis:';

/** A user's analyses, page by page in id order; none when the database is gone (the account was deleted meanwhile). */
async function* analysesOf(store: StoreClient, db: string): AsyncGenerator<AnalysisDoc[]> {
  let startkey = PREFIX;
  let skip = 0;
  for (;;) {
    let rows;
    try {
      ({ rows } = await allDocs<AnalysisDoc & { _id: string }>(store, db, { startkey, endkey: `${PREFIX}\ufff0`, include_docs: true, limit: PAGE, ...(skip ? { skip } : {}) }, { retry: true }));
    } catch (err) {
      if (isMissingDatabase(err)) return;
      throw err;
    }
    yield rows.flatMap((row) => (row.doc && row.doc.type === 'analysis' ? [row.doc] : []));
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || !last) return;
    startkey = last.key;
    skip = 1;
  }
}

/**
 * Every user's analyses from their progress databases, pseudonymised: no
 * user id, username or session id, a pseudonym per user and per session
 * (HMACs with the export key), start times to the day, users in pseudonym
 * order and each user's sessions numbered in start order. Each file is written aside and
 * renamed at the end, so an interrupted or killed run leaves the last whole
 * export in place and a rerun starts afresh.
 */
export async function exportAnalyses(config: WorkerConfig, options: ExportOptions): Promise<ExportReport> {
  const store = new StoreClient(config.couchdbUrl, { timeoutMs: config.storeTimeoutMs });
  const report: ExportReport = { users: 0, analyses: 0, files: [], interrupted: false };
  await checkStoreNow(store);
  const key = await readExportKey(config.dataDir);
  // Folders made here are owner-only like the files; an existing folder keeps its mode.
  await mkdir(options.outDir, { recursive: true, mode: 0o700 });
  await readdir(options.outDir); // a folder that cannot be read fails here, before any work

  const users = (await listUserDatabases(store, config.dbPrefix, 'progress'))
    .flatMap((db) => {
      const userId = parseUserDatabase(config.dbPrefix, db)?.userId;
      return userId ? [{ db, pseudonym: pseudonymOf(key, userId) }] : [];
    })
    .sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : 1));
  const progress: ExportProgress = { usersDone: 0, usersTotal: users.length, analyses: 0 };
  options.onProgress?.({ ...progress });

  const files: ExportFile[] = [];
  try {
    for (const format of options.formats) files.push(await openExportFile(options.outDir, format));
    for (const user of users) {
      let sessionNumber = 0;
      for await (const page of analysesOf(store, user.db)) {
        for (const analysis of page) {
          sessionNumber += 1;
          const row = exportRow(key, user.pseudonym, sessionNumber, analysis);
          for (const file of files) await file.add(row);
        }
        progress.analyses += page.length;
        if (options.signal?.aborted) break;
      }
      if (options.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      progress.usersDone += 1;
      options.onProgress?.({ ...progress });
    }
  } catch (err) {
    await Promise.all(files.map((file) => file.discard()));
    throw err;
  }
  report.users = progress.usersDone;
  report.analyses = progress.analyses;
  if (report.interrupted) {
    await Promise.all(files.map((file) => file.discard()));
    return report;
  }
  try {
    for (const file of files) {
      await file.commit();
      report.files.push(file.path);
    }
  } catch (err) {
    await Promise.all(files.map((file) => file.discard()));
    throw err;
  }
  return report;
}
