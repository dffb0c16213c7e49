/** Longest JSON spelling of a finite number: `-0.0000012345678901234567` (17 digits below 1e-5 keep no exponent). */
export const MAX_NUMBER_CHARS = 25;

/**
 * An upper bound of `value`'s size as UTF-8 JSON, found without serialising:
 * a string counts 6 bytes per UTF-16 unit (`\uXXXX`, the longest any unit
 * takes) and a number MAX_NUMBER_CHARS. For a session, whose bulk is one
 * long base64 string, the bound is a few times the true size and far under the document
 * limit, so the exact size is needed only near the limit. Gives up once past
 * `limit` (answers a number above it). `value` must already be known to nest
 * no deeper than MAX_JSON_DEPTH (the walk recurses).
 */
export function jsonSizeBound(value: unknown, limit: number): number {
  let total = 0;
  const add = (node: unknown): void => {
    if (total > limit) return;
    if (typeof node === 'string') total += 2 + 6 * node.length;
    else if (typeof node === 'number') total += MAX_NUMBER_CHARS;
    else if (Array.isArray(node)) {
      total += 2 + node.length;
      for (const item of node) add(item);
    } else if (typeof node === 'object' && node !== null) {
      total += 2;
      for (const [key, child] of Object.entries(node)) {
        total += 4 + 6 * key.length;
        add(child);
      }
    } else total += 5; // true, false, null
  };
  add(value);
  return total;
}
