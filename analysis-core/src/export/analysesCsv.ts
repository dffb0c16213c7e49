import type { AnalysisDoc } from '../model/types.js';
import { analysisRow, ANALYSIS_COLUMNS } from './analysisColumns.js';
import { csvLine } from './csvText.js';

/** The header line of an analyses CSV. */
export const ANALYSES_CSV_HEADER = csvLine(ANALYSIS_COLUMNS.map((column) => column.name));

/**
 * A patient's analyses as one CSV text: the header, then one row per
 * analysis in the order given (columns: `ANALYSIS_COLUMNS`). The server's
 * clinician export and the device's offline export both write this.
 */
export function analysesCsv(analyses: Iterable<AnalysisDoc>): string {
  let text = ANALYSES_CSV_HEADER;
  for (const analysis of analyses) text += csvLine(analysisRow(analysis));
  return text;
}
