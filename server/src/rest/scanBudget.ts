/**
 * Rows of the store's `_all_docs` one filtered page reads at most. A page
 * ends when it holds `limit` items or has read this many rows, whichever
 * comes first; its cursor then points at the first row not read. So a
 * filter that matches little costs the same per request as one that matches
 * all, and a client pages on (a page may hold fewer items than `limit`, even
 * none, with a `next` cursor).
 */
export const FILTERED_SCAN_ROWS = 200;

/**
 * `GET /api/sessions` with a date or game filter: session documents a page
 * reads at most only to judge them (pending sessions, whose analysis summary
 * does not tell their game and start time yet). Past it the page ends and
 * its cursor points at the next such session, so a page reads at most
 * `limit + PENDING_SESSION_READS` session documents, sensor blocks and all.
 */
export const PENDING_SESSION_READS = 20;
