import type { AnalysisDoc } from '@m2m/analysis-core';

type Cell = string | number | null | undefined;

/** The columns of a patient's analyses export, in order; the gateway's CSV export has the same. */
export const ANALYSES_CSV_COLUMNS = [
  'patient',
  'sessionId',
  'startedAt',
  'gameId',
  'level',
  'durationMs',
  'score',
  'status',
  'analysisVersion',
  'rangeOfMotionDeg',
  'peakVelocityDegS',
  'sparc',
  'ldlj',
  'tremorShare',
  'reactionTimeMs',
  'accuracy',
  'hits',
  'misses',
  'repetitions',
  'qualityFlags',
  'reasons',
] as const;

/**
 * One CSV (RFC 4180, CRLF line ends) of a patient's analyses, oldest session
 * first. `patient` names them in every row, so exports of several patients
 * can be concatenated.
 */
export function analysesCsv(patient: string, analyses: readonly AnalysisDoc[]): string {
  const sorted = [...analyses].sort((a, b) => startedAt(a).localeCompare(startedAt(b)) || a.sessionId.localeCompare(b.sessionId));
  const lines = [ANALYSES_CSV_COLUMNS.join(','), ...sorted.map((a) => row(patient, a).map(cell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

const startedAt = (a: AnalysisDoc): string => a.session?.startedAt ?? '';

function row(patient: string, a: AnalysisDoc): Cell[] {
  const o = a.metrics?.overall;
  return [
    patient,
    a.sessionId,
    a.session?.startedAt,
    a.session?.gameId,
    a.session?.level,
    a.session?.durationMs,
    a.session?.score,
    a.status,
    a.analysisVersion,
    o?.rangeOfMotionDeg,
    o?.peakVelocityDegS,
    o?.sparc,
    o?.ldlj,
    o?.tremorShare,
    o?.reactionTimeMs,
    o?.accuracy,
    o?.hits,
    o?.misses,
    o?.repetitions,
    (a.quality?.flags ?? []).join(' '),
    a.reasons.map((r) => r.code).join(' '),
  ];
}

/** A cell: numbers as they are; text quoted when it must be, and never read as a formula by a spreadsheet. */
function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
