import type { RxCollection, WithDeleted } from 'rxdb';
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb';
import { filter, map, merge, Subject, type Observable, type Subscription } from 'rxjs';
import { M2MError } from '../errors.js';

export interface ReplicationSetup {
  serverUrl: string;
  userId: string;
  sessions: RxCollection;
  results: RxCollection;
  /** A `fetch` for one database's replication: each keeps its own feed position. */
  fetchFor(database: 'sessions' | 'progress'): typeof fetch;
  retryTimeMs: number;
  /** Sessions the server refused stay on the device and are never pushed again. */
  isRefused(sessionId: string): boolean;
  /** Sessions that came from the server are on it. */
  pulledSessions(ids: string[]): void;
}

export interface Replications {
  /** Resolves when both replications are in sync, or rejects with the first error. */
  awaitInSync(): Promise<void>;
  error$: Observable<unknown>;
  cancel(): Promise<void>;
}

/** Live replication of the user's two databases through the gateway: sessions both ways, results pulled. */
export function startReplications(setup: ReplicationSetup): Replications {
  const common = liveReplicationOptions(setup.retryTimeMs);
  const sessions = replicateCouchDB({
    ...common,
    // The identifier names the user: the checkpoint of one user never serves another.
    replicationIdentifier: `m2m-sessions-${setup.userId}`,
    collection: setup.sessions,
    url: `${setup.serverUrl}/sync/sessions/`,
    fetch: setup.fetchFor('sessions'),
    pull: {
      // Sessions are up to a few MB each: a small batch keeps an answer small.
      batchSize: 10,
      heartbeat: 20_000,
      modifier: (doc: WithDeleted<Record<string, unknown>>) => {
        if (typeof doc['id'] === 'string' && !doc._deleted) setup.pulledSessions([doc['id']]);
        return doc;
      },
    },
    push: {
      batchSize: 20,
      modifier: (doc: WithDeleted<Record<string, unknown>>) => (typeof doc['id'] === 'string' && setup.isRefused(doc['id']) ? null : doc),
    },
  }) as RxCouchDBReplicationState<unknown>;
  const results = replicateCouchDB({
    ...common,
    replicationIdentifier: `m2m-results-${setup.userId}`,
    collection: setup.results,
    url: `${setup.serverUrl}/sync/progress/`,
    fetch: setup.fetchFor('progress'),
    pull: { batchSize: 100, heartbeat: 20_000 },
  }) as RxCouchDBReplicationState<unknown>;
  return combineReplications([sessions, results]);
}

/** What every replication of the SDK shares: live, retried after `retryTimeMs`. */
export function liveReplicationOptions(retryTimeMs: number) {
  return {
    live: true,
    retryTime: retryTimeMs,
    // One client per device database: no leader election between tabs (multiInstance is off).
    waitForLeadership: false,
  };
}

/** Replications awaited, reporting errors and cancelled as one. */
export function combineReplications(states: Array<RxCouchDBReplicationState<unknown>>): Replications {
  const cancelled = new Subject<void>();
  let isCancelled = false;
  // The aborted longpolls of a cancelled replication report errors that are no one's concern.
  const error$ = merge(...states.map((s) => s.error$)).pipe(filter(() => !isCancelled));

  return {
    error$,
    async awaitInSync() {
      let subscription: Subscription | undefined;
      const failed = new Promise<never>((_resolve, reject) => {
        subscription = merge(error$, cancelled.pipe(map(() => new M2MError('stopped', 'replication was stopped')))).subscribe((err) =>
          reject(err instanceof Error ? err : new Error(String(err))),
        );
      });
      try {
        await Promise.race([Promise.all(states.map((s) => s.awaitInSync())), failed]);
      } finally {
        subscription?.unsubscribe();
      }
    },
    async cancel() {
      isCancelled = true;
      cancelled.next();
      await Promise.all(states.map((s) => s.cancel()));
    },
  };
}
