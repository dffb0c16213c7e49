import type { CellValue } from './analysisColumns.js';

/**
 * A text cell a spreadsheet would read as a formula starts with one of
 * these (OWASP's CSV injection list, with NUL as ASVS 1.2.10 adds).
 */
const FORMULA_START = /^[=+\-@\t\r\0]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180): null is empty; a number is written as JavaScript
 * writes it (a value the writer made, never a formula, so `-0.5` stays a
 * number); text that could start a formula gets a leading `'` and quotes;
 * text holding a comma, a quote or a line break is quoted, quotes doubled.
 */
export function csvCell(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return guarded !== value || NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** One CSV record with its CRLF line end (RFC 4180). */
export function csvLine(cells: readonly CellValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
