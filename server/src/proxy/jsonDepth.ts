/**
 * Deepest nesting a document or a request body may have. A session is five
 * levels deep and a checkpoint three; the limit only has to keep recursive
 * code (JSON.stringify, the store's own parser) far from a stack overflow.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * How deep `value` nests, counted without recursion and given up past
 * `limit` (answers `limit + 1` then), so a body nested a million levels deep
 * costs no stack and no more than the walk to its first too-deep branch.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** Why `value` is too deep to accept, or undefined when it is not. */
export function nestingProblem(value: unknown, what: string, limit = MAX_JSON_DEPTH): string | undefined {
  return jsonDepth(value, limit) > limit ? `${what} is nested more than ${limit} levels deep, the limit` : undefined;
}
