import type { CareLink, CareLinkEvent } from '@m2m/contract';
import { AccountsDatabase, type StoredDoc } from '../accounts/accountsDatabase.js';
import type { Clock } from '../auth/clock.js';
import { allDocs, getDoc, isStoreStatus, putDoc, systemDatabases, type StoreClient } from '@m2m/couch';

/** `link:<patientId>:<clinicianId>` in `<prefix>links`: the source of truth the worker mirrors. */
export interface LinkDoc extends StoredDoc, CareLink {
  type: 'link';
  schemaVersion: 1;
}

/**
 * `careindex:<clinicianId>:<patientId>` in `<prefix>accounts`: a clinician's
 * links by id prefix (link ids start with the patient's), so that listing
 * them needs neither a view nor a scan of every link.
 */
interface ClinicianIndexDoc extends StoredDoc {
  type: 'careindex';
  clinicianId: string;
  patientId: string;
}

export interface Party {
  userId: string;
  username: string;
}

/** Most events a link keeps (the latest): a pair linking and revoking forever cannot grow its document without end. */
export const MAX_HISTORY = 100;
/** Most links one listing returns. */
export const MAX_LINKS_LISTED = 1000;

export const linkId = (patientId: string, clinicianId: string): string => `link:${patientId}:${clinicianId}`;
const indexId = (clinicianId: string, patientId: string): string => `careindex:${clinicianId}:${patientId}`;

/** What the device sees of a link: the document without the store's fields. */
export function publicLink(doc: LinkDoc): CareLink {
  const { patientId, clinicianId, patientUsername, clinicianUsername, status, history } = doc;
  return { patientId, clinicianId, patientUsername, clinicianUsername, status, history };
}

/** Links between patients and clinicians, and their history. */
export class LinkStore {
  readonly name: string;
  private readonly accounts: AccountsDatabase;

  constructor(
    private readonly store: StoreClient,
    prefix: string,
    private readonly clock: Clock,
    /** Runs after each revoke is written (the care data's clearing); must not throw. */
    private readonly afterRevoke?: (patientId: string, clinicianId: string) => Promise<void>,
  ) {
    this.name = systemDatabases(prefix).links;
    this.accounts = new AccountsDatabase(store, prefix);
  }

  async get(patientId: string, clinicianId: string): Promise<LinkDoc | undefined> {
    try {
      return await getDoc<LinkDoc>(this.store, this.name, linkId(patientId, clinicianId));
    } catch (err) {
      if (isStoreStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Makes the pair's link active: a new document, or the revoked one reactivated with the event appended. */
  async link(patient: Party, clinician: Party): Promise<LinkDoc> {
    // The index first: an index entry without its link is skipped when listing, a link without its index would be lost.
    await this.accounts.put<ClinicianIndexDoc>({ _id: indexId(clinician.userId, patient.userId), type: 'careindex', clinicianId: clinician.userId, patientId: patient.userId });
    return this.update(patient.userId, clinician.userId, (current) => {
      if (current?.status === 'active') return undefined;
      const event: CareLinkEvent = { event: 'linked', at: this.now(), by: 'clinician' };
      return {
        _id: linkId(patient.userId, clinician.userId),
        ...(current?._rev ? { _rev: current._rev } : {}),
        type: 'link',
        schemaVersion: 1,
        patientId: patient.userId,
        clinicianId: clinician.userId,
        patientUsername: patient.username,
        clinicianUsername: clinician.username,
        status: 'active',
        history: [...(current?.history ?? []), event].slice(-MAX_HISTORY),
      };
    });
  }

  /** Revokes the pair's link; a revoked one stays as it is. Undefined when the pair never had a link. */
  async revoke(patientId: string, clinicianId: string, by: CareLinkEvent['by']): Promise<LinkDoc | undefined> {
    if (!(await this.get(patientId, clinicianId))) return undefined;
    const revoked = await this.update(patientId, clinicianId, (current) => {
      if (!current || current.status === 'revoked') return undefined;
      return { ...current, status: 'revoked', history: [...current.history, { event: 'revoked' as const, at: this.now(), by }].slice(-MAX_HISTORY) };
    });
    // Also when it was revoked already: a repeated revoke clears what a failed clearing left.
    if (revoked.status === 'revoked') await this.afterRevoke?.(patientId, clinicianId);
    return revoked;
  }

  /** A patient's links: who follows them (and who did). */
  async ofPatient(patientId: string): Promise<LinkDoc[]> {
    const prefix = linkId(patientId, '');
    const answer = await allDocs<LinkDoc>(this.store, this.name, { startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true, limit: MAX_LINKS_LISTED });
    return answer.rows.flatMap((row) => (row.doc ? [row.doc] : []));
  }

  /** A clinician's links: whom they follow (and did). */
  async ofClinician(clinicianId: string): Promise<LinkDoc[]> {
    const entries = await this.accounts.listByPrefix<ClinicianIndexDoc>(indexId(clinicianId, ''));
    const keys = entries.slice(0, MAX_LINKS_LISTED).map((entry) => linkId(entry.patientId, clinicianId));
    if (keys.length === 0) return [];
    const answer = await allDocs<LinkDoc>(this.store, this.name, { keys, include_docs: true });
    return answer.rows.flatMap((row) => (row.doc ? [row.doc] : []));
  }

  /** Revokes every active link of a user whose account goes (the worker then empties the care databases). */
  async revokeAllOf(userId: string, role: 'patient' | 'clinician'): Promise<void> {
    const links = role === 'patient' ? await this.ofPatient(userId) : await this.ofClinician(userId);
    for (const link of links) if (link.status === 'active') await this.revoke(link.patientId, link.clinicianId, role);
    if (role === 'clinician') await this.accounts.removeAndPurge(await this.accounts.listByPrefix(indexId(userId, '')));
  }

  /**
   * After a patient's account is deleted (their links revoked): the
   * clinicians' index entries of the patient are purged, so the patient
   * leaves their lists, and each link document forgets the patient's name
   * (it stays, revoked, as the worker's record of the revoke).
   */
  async forgetPatient(patientId: string): Promise<void> {
    const links = await this.ofPatient(patientId);
    for (const link of links) {
      await this.update(patientId, link.clinicianId, (current) => (!current || current.patientUsername === '' ? undefined : { ...current, patientUsername: '' }));
    }
    const entries = await Promise.all(links.map((link) => this.accounts.get<ClinicianIndexDoc>(indexId(link.clinicianId, patientId))));
    await this.accounts.removeAndPurge(entries.filter((doc): doc is ClinicianIndexDoc => doc !== undefined));
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** Read, change, write; a concurrent change is read again. `change` returns undefined to keep the document as it is. */
  private async update(patientId: string, clinicianId: string, change: (current: LinkDoc | undefined) => LinkDoc | undefined): Promise<LinkDoc> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(patientId, clinicianId);
      const next = change(current);
      if (!next) return current as LinkDoc;
      try {
        const written = await putDoc(this.store, this.name, next);
        return { ...next, _rev: written.rev };
      } catch (err) {
        if (!isStoreStatus(err, 409)) throw err;
      }
    }
    throw new Error(`the link ${linkId(patientId, clinicianId)} kept changing; retry`);
  }
}
