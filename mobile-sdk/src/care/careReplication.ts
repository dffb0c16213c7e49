import type { RxCollection } from 'rxdb';
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb';
import { combineReplications, liveReplicationOptions, type Replications } from '../sync/replications.js';

export interface CareReplicationSetup {
  serverUrl: string;
  userId: string;
  care: RxCollection;
  fetch: typeof fetch;
  retryTimeMs: number;
}

/**
 * A clinician's care database pulled through the gateway's `/sync/care/`:
 * written by the server's worker only, so pull only (the gateway admits
 * nothing else there). A revoked patient's documents arrive as tombstones and
 * leave the device.
 */
export function startCareReplication(setup: CareReplicationSetup): Replications {
  const care = replicateCouchDB({
    ...liveReplicationOptions(setup.retryTimeMs),
    // The identifier names the user: the checkpoint of one user never serves another.
    replicationIdentifier: `m2m-care-${setup.userId}`,
    collection: setup.care,
    url: `${setup.serverUrl}/sync/care/`,
    fetch: setup.fetch,
    pull: { batchSize: 100, heartbeat: 20_000 },
  }) as RxCouchDBReplicationState<unknown>;
  return combineReplications([care]);
}
