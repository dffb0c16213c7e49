import { userDatabases } from '../accounts/userDatabases.js';
import type { LocalDocsReader } from './localDocsTally.js';
import type { UserDatabaseKind } from '@m2m/analysis-core';
import { UpstreamError, type StreamingClient } from '@m2m/couch';

/** The databases that take `_local` writes (the care database takes none). */
const SYNC_DATABASES: readonly UserDatabaseKind[] = ['sessions', 'progress'];

interface LocalDocsRow {
  id?: unknown;
  doc?: unknown;
}

/**
 * Reads a user's `_local` documents from the store with CouchDB 3's
 * `GET /{db}/_local_docs?include_docs=true&limit=N`, one request per sync
 * database: bytes (of the stored JSON) by `<database>/<id>`, the key the
 * proxy counts its writes under. A database not created yet holds none.
 */
export function localDocsReader(client: StreamingClient, dbPrefix: string, silenceMs: number): LocalDocsReader {
  return async (userId, atMost) => {
    const names = userDatabases(dbPrefix, userId);
    const docs = new Map<string, number>();
    for (const database of SYNC_DATABASES) {
      const query = new URLSearchParams({ include_docs: 'true', limit: String(atMost) });
      const answer = await client.json({ method: 'GET', path: `/${encodeURIComponent(names[database])}/_local_docs`, query, silenceMs, idempotent: true });
      if (answer.status === 404) continue;
      const rows = (answer.body as { rows?: unknown } | undefined)?.rows;
      if (answer.status >= 300 || !Array.isArray(rows)) throw new UpstreamError(`the store answered ${answer.status} to _local_docs`, false);
      for (const row of rows as LocalDocsRow[]) {
        if (typeof row.id !== 'string' || !row.id.startsWith('_local/')) continue;
        docs.set(`${database}/${row.id.slice('_local/'.length)}`, Buffer.byteLength(JSON.stringify(row.doc ?? {}), 'utf8'));
      }
    }
    return docs;
  };
}
