import { isUserId } from '@m2m/analysis-core';

export const LINK_ID_PREFIX = 'link:';

export interface LinkEvent {
  event: 'linked' | 'revoked';
  at: string;
  by: 'patient' | 'clinician' | 'operator';
}

/** A patient–clinician pair in `<prefix>links` (written by the gateway; the source of truth). */
export interface LinkDoc {
  _id: string;
  _rev?: string;
  type: 'link';
  schemaVersion: 1;
  patientId: string;
  clinicianId: string;
  patientUsername: string;
  clinicianUsername: string;
  status: 'active' | 'revoked';
  history: LinkEvent[];
}

/** A link's history is kept whole in the mirror; beyond this it is cut to the latest events. */
export const MAX_MIRRORED_HISTORY = 100;

export const linkId = (patientId: string, clinicianId: string): string => `${LINK_ID_PREFIX}${patientId}:${clinicianId}`;

/** The pair a link id names, or null for any other id. */
export function parseLinkId(id: string): { patientId: string; clinicianId: string } | null {
  if (!id.startsWith(LINK_ID_PREFIX)) return null;
  const [patientId, clinicianId, ...rest] = id.slice(LINK_ID_PREFIX.length).split(':');
  return rest.length === 0 && isUserId(patientId) && isUserId(clinicianId) ? { patientId, clinicianId } : null;
}

const EVENTS = new Set(['linked', 'revoked']);
const BY = new Set(['patient', 'clinician', 'operator']);

/**
 * The link a links-database document holds, or null when it is not one the
 * worker can act on (wrong shape, or an id that does not name its own pair).
 */
export function parseLinkDoc(doc: unknown): LinkDoc | null {
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as Record<string, unknown>;
  const pair = typeof d._id === 'string' ? parseLinkId(d._id) : null;
  if (!pair || d.type !== 'link' || d.patientId !== pair.patientId || d.clinicianId !== pair.clinicianId) return null;
  if (d.status !== 'active' && d.status !== 'revoked') return null;
  if (typeof d.patientUsername !== 'string' || typeof d.clinicianUsername !== 'string' || !Array.isArray(d.history)) return null;
  const history = (d.history as unknown[]).filter(
    (e): e is LinkEvent =>
      typeof e === 'object' && e !== null && EVENTS.has((e as LinkEvent).event) && typeof (e as LinkEvent).at === 'string' && BY.has((e as LinkEvent).by),
  );
  return {
    _id: d._id as string,
    ...(typeof d._rev === 'string' ? { _rev: d._rev } : {}),
    type: 'link',
    schemaVersion: 1,
    patientId: pair.patientId,
    clinicianId: pair.clinicianId,
    patientUsername: d.patientUsername,
    clinicianUsername: d.clinicianUsername,
    status: d.status,
    history,
  };
}

/** When the current link began: the latest `linked` event (undefined when the history has none). */
export function linkedAt(link: LinkDoc): string | undefined {
  for (let i = link.history.length - 1; i >= 0; i--) if (link.history[i]?.event === 'linked') return link.history[i]?.at;
  return undefined;
}
