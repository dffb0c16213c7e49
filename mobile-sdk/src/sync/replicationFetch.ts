import { GatewayError, M2MError } from '../errors.js';
import type { TokenKeeper } from '../auth/tokenKeeper.js';
import { gatewayError, reach } from './gatewayResponse.js';

/** What the replication's requests tell the sync status and the upload ledger. */
export interface ReplicationObserver {
  /** The gateway answered (any status). */
  reached(): void;
  /** A replication request succeeded. */
  synced(): void;
  /** A request failed: the error RxDB will see before it retries. */
  failed(err: Error): void;
  uploaded(ids: string[]): void;
  rejected(id: string, reason: string): void;
}

interface BulkDocsRow {
  id?: unknown;
  ok?: unknown;
  error?: unknown;
  reason?: unknown;
}

/**
 * The `fetch` handed to RxDB's CouchDB replication. It adds the access token
 * and refreshes it once on a 401; it throws on every non-2xx answer (RxDB does
 * not look at the status, and a JSON error on its live longpoll would be an
 * unhandled rejection); and it takes the documents the gateway refused out of
 * the `_bulk_docs` answer, after recording them. RxDB would otherwise resend
 * the whole batch for ever and stall replication in both directions.
 */
export function replicationFetch(fetchImpl: typeof fetch, keeper: TokenKeeper, observer: ReplicationObserver) {
  const inFlight = new Set<AbortController>();

  async function send(url: string, init: RequestInit | undefined, token: string, abort: AbortController): Promise<Response> {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    headers.set('accept', 'application/json');
    return reach(fetchImpl, url, { ...init, headers, signal: abort.signal });
  }

  async function replicationRequest(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const abort = new AbortController();
    inFlight.add(abort);
    try {
      const token = keeper.current.accessToken;
      let response = await send(url, init, token, abort);
      observer.reached();
      if (response.status === 401) {
        await response.body?.cancel();
        const renewed = await keeper.refresh(token);
        response = await send(url, init, renewed.accessToken, abort);
      }
      if (!response.ok) throw await gatewayError(response);
      observer.synced();
      return isBulkDocs(url, init) ? await withoutRefusals(response, observer) : response;
    } catch (err) {
      const error = err instanceof Error ? err : new M2MError('unknown', String(err));
      if (error.name !== 'AbortError') observer.failed(error);
      throw error;
    } finally {
      inFlight.delete(abort);
    }
  }

  return {
    fetch: replicationRequest as typeof fetch,
    /** Ends every request under way (a live longpoll would otherwise wait for its timeout). */
    abortAll(): void {
      for (const abort of inFlight) abort.abort();
      inFlight.clear();
    },
  };
}

function isBulkDocs(url: string, init: RequestInit | undefined): boolean {
  return init?.method === 'POST' && new URL(url).pathname.endsWith('/_bulk_docs');
}

async function withoutRefusals(response: Response, observer: ReplicationObserver): Promise<Response> {
  const rows = (await response.json()) as unknown;
  if (!Array.isArray(rows)) throw new GatewayError(502, 'bad_gateway', '_bulk_docs did not answer with a list of rows');
  const kept: BulkDocsRow[] = [];
  const uploaded: string[] = [];
  for (const row of rows as BulkDocsRow[]) {
    const id = typeof row.id === 'string' ? row.id : '';
    if (row.ok === true) uploaded.push(id);
    // A conflict stays: RxDB resolves it with the collection's conflict handler.
    if (row.ok === true || row.error === 'conflict') {
      kept.push(row);
      continue;
    }
    observer.rejected(id, typeof row.reason === 'string' ? row.reason : String(row.error ?? 'refused'));
  }
  if (uploaded.length > 0) observer.uploaded(uploaded);
  return new Response(JSON.stringify(kept), { status: response.status, headers: { 'content-type': 'application/json' } });
}
