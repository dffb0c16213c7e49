/**
 * Milliseconds since the epoch of an ISO 8601 UTC timestamp that names a real
 * moment, or NaN. A pattern admits 2026-02-30 or 2026-13-01; Date.parse either
 * refuses those or rolls them over, so the parsed date must print back the same.
 */
export function parseUtcTimestamp(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== text.slice(0, 19)) return NaN;
  return ms;
}
