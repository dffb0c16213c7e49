import { synthesizeSession } from '@m2m/analysis-core';

export type CouchDoc = Record<string, unknown> & { _id: string };

/** A realistic session in CouchDB form (`_id`), `durationS` long (one minute is about 50 kB). */
export function couchSession(seed: number, durationS = 60): CouchDoc {
  const { id, ...rest } = synthesizeSession({ seed, durationS });
  return { _id: id, ...rest };
}
