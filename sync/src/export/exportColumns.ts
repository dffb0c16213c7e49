import { ANALYSIS_COLUMNS, type AnalysisDoc, type CellValue, type ColumnType } from '@m2m/analysis-core';
import { sessionPseudonymOf } from './pseudonyms.js';

export interface ExportColumn {
  name: string;
  type: ColumnType;
  description: string;
}

/**
 * analysis-core's columns that would let a reader join a row back to a user:
 * the session id is also the analysis's document id in the patient's own
 * database, on the device and in clinicians' care databases and CSVs; the
 * start time to the millisecond is nearly as unique. Replaced below by a keyed
 * session pseudonym, the session's number and the day.
 */
const IDENTIFYING = new Set(['sessionId', 'startedAt']);

/** The app's game ids; anything else in a stored summary is not exported (it could be free text). */
const GAME_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY = /^(\d{4}-\d{2}-\d{2})T/;

const KEPT = ANALYSIS_COLUMNS.filter((column) => !IDENTIFYING.has(column.name));

/** The operator export's columns, in order. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'pseudonym', type: 'string', description: 'the user: first 16 hex digits of HMAC-SHA256(export key, user id)' },
  { name: 'session', type: 'string', description: 'the session: first 16 hex digits of HMAC-SHA256(export key, `session:` + session id)' },
  { name: 'sessionNumber', type: 'integer', description: 'the session\'s place among the user\'s exported sessions by start time, from 1' },
  { name: 'startedDay', type: 'string', description: 'the UTC day the game started, YYYY-MM-DD' },
  ...KEPT.map(({ name, type, description }) => ({ name, type, description })),
];

/** One analysis as the export's cells: `sessionNumber` is its 1-based place in the user's analyses in session id order. */
export function exportRow(key: Uint8Array<ArrayBuffer>, pseudonym: string, sessionNumber: number, analysis: AnalysisDoc): CellValue[] {
  const day = typeof analysis.session?.startedAt === 'string' ? (DAY.exec(analysis.session.startedAt)?.[1] ?? null) : null;
  return [
    pseudonym,
    sessionPseudonymOf(key, analysis.sessionId),
    sessionNumber,
    day,
    ...KEPT.map((column) => {
      const value = column.value(analysis);
      return column.name === 'gameId' && (typeof value !== 'string' || !GAME_ID.test(value)) ? null : value;
    }),
  ];
}
