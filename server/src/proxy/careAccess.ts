import type { Role } from '@m2m/contract';
import { careDatabase } from '@m2m/analysis-core';
import { userDatabases } from '../accounts/userDatabases.js';
import { HttpError } from '../http/errors.js';
import { refused } from './couchError.js';
import type { ProxyMethod } from './queryRules.js';
import type { Endpoint, SyncDatabase } from './syncPath.js';

/**
 * What a clinician's device may do with its care database: pull, and only
 * through database info, `_changes` and `_all_docs` (what RxDB's pull uses).
 * No single-document read, `_bulk_get` or `open_revs`: after a revoke, an old
 * revision of a patient's document must not be reachable by its id and rev.
 * No `_local`, no write: the worker alone writes there.
 */
const CARE_READS: ReadonlySet<Endpoint['kind']> = new Set(['info', 'changes', 'all_docs']);

/** Patients reach their sessions and progress, clinicians their care database; the other role is refused. */
export function checkRole(role: Role, database: SyncDatabase): void {
  if (database === 'care' && role !== 'clinician') throw new HttpError('wrong_role', '/sync/care/ is for clinicians; a patient syncs /sync/sessions/ and /sync/progress/');
  if (database !== 'care' && role === 'clinician') throw new HttpError('wrong_role', `/sync/${database}/ is for patients; a clinician syncs /sync/care/`);
}

/** Refuses on the care database every endpoint and method but the pull's reads. */
export function checkCareRequest(kind: Endpoint['kind'], method: ProxyMethod): void {
  if (!CARE_READS.has(kind)) throw refused('the care database serves only database info, _changes and _all_docs');
  if (method !== 'GET' && method !== 'POST') throw refused('the care database is pull only: its documents are written by the server');
}

/** The store database behind `/sync/<database>/` for this user. */
export function storeDatabaseOf(prefix: string, userId: string, database: SyncDatabase): string {
  return database === 'care' ? careDatabase(prefix, userId) : userDatabases(prefix, userId)[database];
}
