import { summarizeProgressEntries, type ProgressDoc } from '@m2m/analysis-core';
import { sameContent, storedProgressBody } from './documentForms.js';
import { PROGRESS_ID, ProgressDbCache } from './progressDbCache.js';
import { isStoreStatus, putDoc, type StoreClient } from '@m2m/couch';

export { ANALYSIS_ID_PREFIX, PROGRESS_ID } from './progressDbCache.js';

const MAX_CONFLICT_ROUNDS = 5;

/**
 * Recomputes a user's progress from all their analyses and writes it when it
 * changed. The stored progress and the analyses come from one snapshot of the
 * progress database taken after this batch's analysis writes, and the write
 * carries the snapshot's progress revision: a writer whose analyses came
 * later computes from a snapshot that holds ours, and one whose progress
 * came later makes ours conflict (409), when the decision is made again.
 */
export async function updateProgress(
  store: StoreClient,
  progressDb: string,
  cache: ProgressDbCache,
): Promise<{ result: 'written' | 'unchanged'; progress: ProgressDoc }> {
  for (let round = 0; ; round++) {
    const snapshot = await cache.snapshot(store, progressDb);
    // summarizeProgress over the device forms of the analyses, from the entries the cache made as they arrived.
    const progress = summarizeProgressEntries(snapshot.entries.values());
    const body = storedProgressBody(progress);
    const current = snapshot.progress;
    if (current && sameContent(current, body)) return { result: 'unchanged', progress };
    const doc = current?._rev ? { ...body, _rev: current._rev } : body;
    try {
      const saved = await putDoc(store, progressDb, { ...doc, _id: PROGRESS_ID }, { retry: true });
      cache.recordWrites(progressDb, [{ ...doc, _rev: saved.rev }]);
      return { result: 'written', progress };
    } catch (err) {
      if (!isStoreStatus(err, 409) || round >= MAX_CONFLICT_ROUNDS) throw err;
    }
  }
}
