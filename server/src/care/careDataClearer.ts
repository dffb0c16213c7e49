import { careDatabase } from '@m2m/analysis-core';
import { allDocs, bulkDocs, isStoreStatus, type StoreClient } from '@m2m/couch';
import type { Logger } from 'pino';
import { loggableError } from '../http/errors.js';

/** Care documents read (and tombstoned) per request. */
const PAGE = 500;

interface Leaf {
  _id: string;
  _rev: string;
}

/** Bare tombstones for every leaf: no id appears twice in one batch (a store may take only one of them). */
function rounds(leaves: Leaf[]): Leaf[][] {
  const out: Leaf[][] = [];
  const seen = new Map<string, number>();
  for (const leaf of leaves) {
    const round = seen.get(leaf._id) ?? 0;
    seen.set(leaf._id, round + 1);
    (out[round] ??= []).push(leaf);
  }
  return out;
}

/**
 * Takes a patient's documents out of a clinician's care database at the
 * revoke itself: `patient:<P>`, `progress:<P>` and every `analysis:<P>:*`,
 * each leaf (conflicts included) replaced by a bare tombstone
 * `{_id, _rev, _deleted}`, so nothing of the patient is pulled through
 * `/sync/care/` from then on, whether the worker runs or not. The worker
 * clears again on its own (the safety net); a failure here is logged, not
 * thrown: the revoke is written already and stands.
 */
export class CareDataClearer {
  constructor(
    private readonly store: StoreClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async clear(patientId: string, clinicianId: string): Promise<void> {
    const db = careDatabase(this.prefix, clinicianId);
    try {
      await this.tombstone(db, { keys: [`patient:${patientId}`, `progress:${patientId}`] });
      const prefix = `analysis:${patientId}:`;
      // Tombstoned rows leave the range as they go, so each page starts again at the prefix.
      while ((await this.tombstone(db, { startkey: prefix, endkey: `${prefix}\ufff0`, limit: PAGE })) > 0);
    } catch (err) {
      if (isStoreStatus(err, 404)) return; // no care database (the clinician is gone): nothing to clear
      this.logger.warn({ err: loggableError(err), patientId, clinicianId }, 'care data not cleared at the revoke; the worker clears it');
    }
  }

  /** Tombstones every leaf of the live documents the query finds; returns how many documents it found. */
  private async tombstone(db: string, query: { keys?: string[]; startkey?: string; endkey?: string; limit?: number }): Promise<number> {
    const answer = await allDocs<{ _id: string; _rev: string; _conflicts?: string[] }>(this.store, db, { ...query, include_docs: true, conflicts: true });
    const leaves: Leaf[] = [];
    for (const row of answer.rows) {
      if (!row.doc) continue;
      leaves.push({ _id: row.doc._id, _rev: row.doc._rev });
      for (const rev of row.doc._conflicts ?? []) leaves.push({ _id: row.doc._id, _rev: rev });
    }
    for (const batch of rounds(leaves)) {
      const written = await bulkDocs(this.store, db, batch.map((leaf) => ({ ...leaf, _deleted: true })));
      const failed = written.find((row) => row.error);
      if (failed) throw new Error(`tombstoning ${failed.id} failed: ${failed.error}`);
    }
    return leaves.length === 0 ? 0 : answer.rows.filter((row) => row.doc).length;
  }
}
