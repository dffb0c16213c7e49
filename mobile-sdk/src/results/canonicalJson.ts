/** JSON with object keys sorted: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * Whether the server's analysis equals the device's. The server analysed the
 * stored revision (`sessionRev`), the device the session before it had one;
 * everything else must match byte for byte.
 */
export function sameAnalysis(device: unknown, server: unknown): boolean {
  const comparable = (doc: unknown) => ({ ...(doc as Record<string, unknown>), sessionRev: null });
  return canonicalJson(comparable(device)) === canonicalJson(comparable(server));
}
