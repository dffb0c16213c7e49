import { Counter, Gauge, type Registry } from 'prom-client';

/** The care upkeep's Prometheus metrics, in the worker's registry. */
export class CareMetrics {
  readonly documents: Counter<'result'>;
  readonly linkChanges: Counter;

  constructor(registry: Registry, activeLinks: () => number, pending: () => number) {
    const registers = [registry];
    this.documents = new Counter({
      name: 'm2m_sync_care_documents_total',
      help: "Care documents in clinicians' care databases: written, deleted (tombstoned) or unchanged (equal content, not rewritten)",
      labelNames: ['result'],
      registers,
    });
    this.linkChanges = new Counter({ name: 'm2m_sync_care_link_changes_total', help: 'Changes of the links database applied (copy, revoke, mirror)', registers });
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
