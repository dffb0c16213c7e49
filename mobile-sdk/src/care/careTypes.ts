import type { AnalysisDoc, Flag, ProgressDoc } from '@m2m/analysis-core';

/** What an account is: a patient records games; a clinician follows the patients who shared with them. */
export type Role = 'patient' | 'clinician';

/** `createShareCode()`: shown to the patient, typed by the clinician. Single use. */
export interface ShareCode {
  /** `XXXXX-XXXXX`, Crockford base32; redeemed case-insensitive, with or without the dash. */
  code: string;
  /** ISO 8601. */
  expiresAt: string;
}

export interface LinkEvent {
  event: 'linked' | 'revoked';
  at: string;
  by: 'patient' | 'clinician' | 'operator';
}

/** A patient–clinician link and its history (the patient's side names the clinician; the clinician's the patient too). */
export interface CareLink {
  clinicianId: string;
  clinicianUsername: string;
  /** Absent in the patient's own mirror: it is theirs. */
  patientId?: string;
  patientUsername?: string;
  status: 'active' | 'revoked';
  history: LinkEvent[];
}

/** One attention flag, computed by analysis-core's `attentionFlags` (the worker's and the device's agree). */
export type AttentionFlag = Flag;

/** A followed patient as the clinician's list shows them (`patient:<id>` in the care database). */
export interface CarePatient {
  patientId: string;
  username: string;
  linkedAt: string;
  lastSessionAt: string | null;
  sessionCount: number;
  flags: AttentionFlag[];
  /** Higher needs attention first. */
  attention: number;
  evaluatedAt: string;
  analysisVersion: string;
}

/** A followed patient's progress summary, as the server computed it. */
export type CareProgress = ProgressDoc;
export type CareAnalysis = AnalysisDoc;
