import type { CareLink } from './careTypes.js';

/**
 * The mirror's `link:<clinicianId>` documents (in the patient's own progress
 * database, so without the patient's fields) as links: active ones first,
 * then by the clinician's name.
 */
export function followersOf(docs: readonly unknown[], patient: { userId: string; username: string }): CareLink[] {
  const links: CareLink[] = [];
  for (const raw of docs) {
    const doc = raw as Partial<CareLink> & { type?: unknown };
    if (typeof doc.clinicianId !== 'string' || (doc.status !== 'active' && doc.status !== 'revoked')) continue;
    links.push({
      patientId: patient.userId,
      patientUsername: patient.username,
      clinicianId: doc.clinicianId,
      clinicianUsername: typeof doc.clinicianUsername === 'string' ? doc.clinicianUsername : doc.clinicianId,
      status: doc.status,
      history: Array.isArray(doc.history) ? doc.history : [],
    });
  }
  return links.sort((a, b) => (a.status === b.status ? a.clinicianUsername.localeCompare(b.clinicianUsername) : a.status === 'active' ? -1 : 1));
}
