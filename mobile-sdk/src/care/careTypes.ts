import type { AnalysisDoc, Flag, ProgressDoc } from '@m2m/analysis-core';

/** A role (`patient`, `clinician`), a share code, a link and its history: the gateway's answer shapes. */
export type { CareLink, CareLinkEvent as LinkEvent, Role, ShareCodeAnswer as ShareCode } from '@m2m/contract';

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
