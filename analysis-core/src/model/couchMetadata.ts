/**
 * Checks of the CouchDB metadata a replicated document carries (`_rev`,
 * `_revisions`). A revision history is replayed by the store on write, and
 * its cost grows faster than its length: an unbounded one from the network
 * can stall the store for minutes.
 */

/** CouchDB keeps 1,000 revisions of history by default (`_revs_limit`); a longer list is refused. */
export const MAX_REVISIONS = 1000;

const REV_HASH = /^[0-9a-zA-Z]{1,64}$/;
const REV = /^([1-9][0-9]{0,8})-([0-9a-zA-Z]{1,64})$/;

/** What is wrong with a `_rev`, or null when it is `N-hash`. */
export function revProblem(rev: unknown): string | null {
  return typeof rev === 'string' && REV.test(rev) ? null : 'must be a revision like "3-1f2e…" (a number, a dash and up to 64 letters or digits)';
}

/**
 * What is wrong with a `_revisions` history, or null: `{start, ids}` with
 * 1 ≤ ids.length ≤ min(start, MAX_REVISIONS), each id a revision hash, and,
 * when the document has a `_rev`, `_rev` = `${start}-${ids[0]}`.
 */
export function revisionsProblem(revisions: unknown, rev?: unknown): string | null {
  if (typeof revisions !== 'object' || revisions === null || Array.isArray(revisions)) return 'must be an object {start, ids}';
  const { start, ids } = revisions as { start?: unknown; ids?: unknown };
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 1 || start > 1e9) return 'start must be an integer from 1';
  if (!Array.isArray(ids) || ids.length === 0) return 'ids must be a non-empty array';
  if (ids.length > MAX_REVISIONS) return `ids has ${ids.length} entries, more than the ${MAX_REVISIONS} revisions kept`;
  if (ids.length > start) return `ids has ${ids.length} entries but start is ${start}`;
  if (!ids.every((id) => typeof id === 'string' && REV_HASH.test(id))) return 'ids must be revision hashes (up to 64 letters or digits)';
  if (rev !== undefined && rev !== `${start}-${String(ids[0])}`) return `does not end at _rev ${JSON.stringify(rev)}`;
  return null;
}
