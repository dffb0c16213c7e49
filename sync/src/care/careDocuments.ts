import { ANALYSIS_VERSION, attentionFlags, type AnalysisDoc, type AttentionResult, type AttentionThresholds, type ProgressDoc } from '@m2m/analysis-core';
import { deviceForm, type StoredDoc } from '../writer/documentForms.js';
import type { ProgressSnapshot } from '../writer/progressDbCache.js';
import { linkedAt, MAX_MIRRORED_HISTORY, type LinkDoc } from './linkDoc.js';

/** The device's care collection takes ids up to this length. */
export const MAX_CARE_ID_LENGTH = 80;

export const carePatientId = (patientId: string): string => `patient:${patientId}`;
export const careProgressId = (patientId: string): string => `progress:${patientId}`;
export const careAnalysisId = (patientId: string, sessionId: string): string => `analysis:${patientId}:${sessionId}`;
/** The key range of a patient's analyses in a care database. */
export const careAnalysisRange = (patientId: string): { startkey: string; endkey: string } => ({
  startkey: `analysis:${patientId}:`,
  endkey: `analysis:${patientId}:\ufff0`,
});
export const linkMirrorId = (clinicianId: string): string => `link:${clinicianId}`;

/** What one patient's data says, computed once and copied to every clinician who follows them. */
export interface PatientView {
  patientId: string;
  progress: ProgressDoc | null;
  /** Device forms of the patient's analyses, by session id. */
  analyses: Map<string, AnalysisDoc>;
  attention: AttentionResult;
  evaluatedAt: string;
}

export function patientView(patientId: string, snapshot: ProgressSnapshot, now: string, thresholds?: AttentionThresholds): PatientView {
  const analyses = new Map<string, AnalysisDoc>();
  for (const stored of snapshot.analyses.values()) {
    const analysis = deviceForm(stored) as unknown as AnalysisDoc;
    if (typeof analysis.sessionId === 'string') analyses.set(analysis.sessionId, analysis);
  }
  const progress = snapshot.progress ? (deviceForm(snapshot.progress) as unknown as ProgressDoc) : null;
  return { patientId, progress, analyses, attention: attentionFlags({ progress, analyses: [...analyses.values()], now }, thresholds), evaluatedAt: now };
}

/**
 * The documents a clinician's care database holds for one linked patient:
 * the summary with its flags, the progress, one document per analysis
 * (never a session or sensor data). `evaluatedAt` aside, equal content means
 * nothing to write.
 */
export function careDocuments(link: LinkDoc, view: PatientView): StoredDoc[] {
  const { patientId, progress, attention } = view;
  const docs: StoredDoc[] = [
    {
      _id: carePatientId(patientId),
      type: 'care-patient',
      schemaVersion: 1,
      patientId,
      username: link.patientUsername,
      linkedAt: linkedAt(link) ?? null,
      lastSessionAt: progress?.lastSessionAt ?? null,
      sessionCount: progress?.sessionCount ?? 0,
      flags: attention.flags,
      attention: attention.attention,
      evaluatedAt: view.evaluatedAt,
      analysisVersion: progress?.analysisVersion ?? ANALYSIS_VERSION,
    },
  ];
  if (progress) docs.push({ _id: careProgressId(patientId), type: 'care-progress', schemaVersion: 1, patientId, progress });
  for (const [sessionId, analysis] of view.analyses) {
    const id = careAnalysisId(patientId, sessionId);
    // An id the device cannot hold is left out rather than break the clinician's replication.
    if (id.length <= MAX_CARE_ID_LENGTH) docs.push({ _id: id, type: 'care-analysis', schemaVersion: 1, patientId, analysis });
  }
  return docs;
}

/** The link as the patient's progress database shows it (`link:<clinicianId>`), so the patient sees who follows them offline. */
export function linkMirror(link: LinkDoc): StoredDoc {
  return {
    _id: linkMirrorId(link.clinicianId),
    type: 'link',
    schemaVersion: 1,
    clinicianId: link.clinicianId,
    clinicianUsername: link.clinicianUsername,
    status: link.status,
    history: link.history.slice(-MAX_MIRRORED_HISTORY),
  };
}

/** Fields that change with every evaluation and alone never call for a write. */
export const VOLATILE_FIELDS = ['evaluatedAt'] as const;
