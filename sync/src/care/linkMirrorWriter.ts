import { findDoc, isMissingDatabase, isStoreStatus, putDoc, type StoreClient } from '@m2m/couch';
import { userDatabases } from '@m2m/analysis-core';
import { sameContent, type StoredDoc } from '../writer/documentForms.js';
import { repairProgressDatabase } from '../writer/progressDatabase.js';
import { linkMirror } from './careDocuments.js';
import type { LinkDoc } from './linkDoc.js';

const MAX_CONFLICT_ROUNDS = 5;

/**
 * Writes the link as `link:<clinicianId>` into the patient's progress
 * database (the worker is its only writer), unless it already says the same.
 * A missing progress database is repaired as the pipeline does; a patient
 * whose databases are both gone is skipped.
 */
export async function writeLinkMirror(store: StoreClient, prefix: string, link: LinkDoc): Promise<'written' | 'unchanged' | 'user-gone'> {
  const db = userDatabases(prefix, link.patientId).progress;
  const body = linkMirror(link);
  for (let round = 0; ; round++) {
    try {
      const current = await findDoc<StoredDoc>(store, db, body._id, { retry: true });
      if (current && sameContent(current, body)) return 'unchanged';
      await putDoc(store, db, current?._rev ? { ...body, _rev: current._rev } : body, { retry: true });
      return 'written';
    } catch (err) {
      if (isMissingDatabase(err) && round < MAX_CONFLICT_ROUNDS) {
        if ((await repairProgressDatabase(store, prefix, link.patientId)) === 'user-gone') return 'user-gone';
        continue;
      }
      if (!isStoreStatus(err, 409) || round >= MAX_CONFLICT_ROUNDS) throw err;
    }
  }
}
