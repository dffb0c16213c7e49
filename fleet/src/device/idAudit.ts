/** How a list of ids found somewhere compares with the ids a device recorded. */
export interface IdAudit {
  /** Recorded, not found. */
  missing: string[];
  /** Found more than once. */
  duplicated: string[];
  /** Found, never recorded by this device. */
  unexpected: string[];
}

/** Compares the ids found in one place (the device, the store) with those recorded. */
export function auditIds(recorded: readonly string[], found: readonly string[]): IdAudit {
  const expected = new Set(recorded);
  const seen = new Map<string, number>();
  for (const id of found) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    missing: recorded.filter((id) => !seen.has(id)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: [...seen.keys()].filter((id) => !expected.has(id)),
  };
}

export const emptyAudit = (): IdAudit => ({ missing: [], duplicated: [], unexpected: [] });
