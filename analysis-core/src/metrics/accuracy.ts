export interface AccuracyResult {
  hits: number;
  misses: number;
  /** hits / (hits + misses), a share in [0, 1]; NaN when there are neither. */
  accuracy: number;
}

/**
 * Game accuracy from the session's events: counts events of kind `'hit'`
 * and `'miss'` (all other kinds are ignored) and returns
 * accuracy = hits / (hits + misses). Edge case: NaN accuracy when there are
 * no hits and no misses.
 */
export function accuracy(events: ArrayLike<{ kind: string }>): AccuracyResult {
  let hits = 0;
  let misses = 0;
  for (let i = 0; i < events.length; i++) {
    const kind = (events[i] as { kind: string }).kind;
    if (kind === 'hit') hits++;
    else if (kind === 'miss') misses++;
  }
  const total = hits + misses;
  return { hits, misses, accuracy: total === 0 ? NaN : hits / total };
}
