import type { LinkDoc } from './linkDoc.js';

/** The links this worker acts on, by patient: who follows each patient, kept from the links feed. */
export class LinkIndex {
  private readonly byPatient = new Map<string, Map<string, LinkDoc>>();

  set(link: LinkDoc): void {
    let links = this.byPatient.get(link.patientId);
    if (!links) this.byPatient.set(link.patientId, (links = new Map()));
    links.set(link.clinicianId, link);
  }

  /** Forgets a pair (its document was deleted). */
  remove(patientId: string, clinicianId: string): void {
    const links = this.byPatient.get(patientId);
    links?.delete(clinicianId);
    if (links?.size === 0) this.byPatient.delete(patientId);
  }

  /** The patient's active links. */
  active(patientId: string): LinkDoc[] {
    return [...(this.byPatient.get(patientId)?.values() ?? [])].filter((link) => link.status === 'active');
  }

  /** Patients with at least one active link. */
  patientsWithActiveLinks(): string[] {
    return [...this.byPatient.keys()].filter((patientId) => this.active(patientId).length > 0);
  }

  get activeCount(): number {
    let count = 0;
    for (const links of this.byPatient.values()) for (const link of links.values()) if (link.status === 'active') count += 1;
    return count;
  }
}
