import { summarizeProgressEntries, type ProgressDoc } from '@m2m/analysis-core';
import { progressWrite } from './documentForms.js';
import { PROGRESS_ID, ProgressDbCache } from './progressDbCache.js';
import { isStoreStatus, putDoc, type StoreClient } from '@m2m/couch';

export { ANALYSIS_ID_PREFIX, PROGRESS_ID } from './progressDbCache.js';

const MAX_CONFLICT_ROUNDS = 5;

/**
 * Recomputes a user's progress from all their analyses and writes it when it
 * changed. The first try computes from the cache as it stands, this batch's
 * analysis writes included, without reading the database's feed again (a
 * round trip per batch): the write carries the cached progress revision, so
 * if another writer (`reanalyse`) wrote progress meanwhile, ours conflicts
 * (409) and is decided again from a fresh snapshot, as is a result found
 * unchanged (no write would check it). An analysis another writer changed
 * without writing progress makes nothing conflict: the cache reads the feed
 * again once its last read is older than its bound (30 s), so the progress
 * written by a batch after that holds the change.
 */
export async function updateProgress(
  store: StoreClient,
  progressDb: string,
  cache: ProgressDbCache,
): Promise<{ result: 'written' | 'unchanged'; progress: ProgressDoc }> {
  for (let round = 0; ; round++) {
    const snapshot = await cache.snapshot(store, progressDb, { refresh: round > 0 });
    // summarizeProgress over the device forms of the analyses, from the entries the cache made as they arrived.
    const progress = summarizeProgressEntries(snapshot.entries.values());
    const doc = progressWrite(snapshot.progress, progress);
    if (!doc) {
      // "Unchanged" is never decided on the cache alone: no write would check it against the store.
      if (round === 0) continue;
      return { result: 'unchanged', progress };
    }
    try {
      const saved = await putDoc(store, progressDb, { ...doc, _id: PROGRESS_ID }, { retry: true });
      cache.recordWrites(progressDb, [{ ...doc, _rev: saved.rev }]);
      return { result: 'written', progress };
    } catch (err) {
      if (!isStoreStatus(err, 409) || round >= MAX_CONFLICT_ROUNDS) throw err;
    }
  }
}
