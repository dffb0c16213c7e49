import { Counter } from 'prom-client';
import { metricsRegistry, proxyUpstreamErrorsTotal } from '../ops/metrics.js';
import type { SyncDatabase } from './syncPath.js';

// Registered once per process, in the gateway's registry served at /metrics.
const requestsTotal = new Counter({
  name: 'm2m_gateway_proxy_requests_total',
  help: 'Requests the replication proxy accepted, by database and endpoint',
  labelNames: ['database', 'endpoint'] as const,
  registers: [metricsRegistry],
});

const refusedDocumentsTotal = new Counter({
  name: 'm2m_gateway_proxy_refused_documents_total',
  help: 'Documents the replication proxy refused in writes (validation, id, size)',
  labelNames: ['database'] as const,
  registers: [metricsRegistry],
});

const clientAbortsTotal = new Counter({
  name: 'm2m_gateway_proxy_client_aborts_total',
  help: 'Proxied requests whose client went away before the answer was complete (the store request was aborted)',
  labelNames: ['database'] as const,
  registers: [metricsRegistry],
});

/** What the proxy counts about one database kind. */
export const proxyMetrics = {
  accepted(database: SyncDatabase, endpoint: string): void {
    requestsTotal.inc({ database, endpoint });
  },
  refused(database: SyncDatabase, documents: number): void {
    refusedDocumentsTotal.inc({ database }, documents);
  },
  clientAborted(database: SyncDatabase): void {
    clientAbortsTotal.inc({ database });
  },
  upstreamFailed(database: SyncDatabase, cause: 'timeout' | 'unreachable' | 'broken' | 'status_5xx'): void {
    proxyUpstreamErrorsTotal.inc({ database, cause });
  },
};
