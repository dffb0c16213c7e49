import { Counter, Gauge, type Registry } from 'prom-client';

/** The care upkeep's Prometheus metrics, in the worker's registry. */
export class CareMetrics {
  readonly documents: Counter<'result'>;
  readonly linkChanges: Counter;
  readonly linkFailures: Counter;

  constructor(registry: Registry, activeLinks: () => number, pending: () => number, retrying: () => number) {
    const registers = [registry];
    this.documents = new Counter({
      name: 'm2m_sync_care_documents_total',
      help: "Care documents in clinicians' care databases: written, deleted (tombstoned) or unchanged (equal content, not rewritten)",
      labelNames: ['result'],
      registers,
    });
    this.linkChanges = new Counter({ name: 'm2m_sync_care_link_changes_total', help: 'Changes of the links database applied (copy, revoke, mirror)', registers });
    this.linkFailures = new Counter({
      name: 'm2m_sync_care_link_failures_total',
      help: 'Link changes that kept failing and were left to background retries while the links feed went on',
      registers,
    });
    new Gauge({
      name: 'm2m_sync_care_links_retrying',
      help: 'Link changes waiting for a background retry',
      registers,
      collect() {
        this.set(retrying());
      },
    });
    new Gauge({
      name: 'm2m_sync_care_links_active',
      help: "Active care links whose patient this shard owns (each one's care documents kept up to date)",
      registers,
      collect() {
        this.set(activeLinks());
      },
    });
    new Gauge({
      name: 'm2m_sync_care_pending',
      help: "Patients' copies marked due in clinicians' care databases and not yet written",
      registers,
      collect() {
        this.set(pending());
      },
    });
  }
}
