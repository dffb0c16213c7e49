import { canonicalJson } from '@m2m/analysis-core';

/**
 * Whether the server's analysis equals the device's. The server analysed the
 * stored revision (`sessionRev`), the device the session before it had one;
 * everything else must match byte for byte.
 */
export function sameAnalysis(device: unknown, server: unknown): boolean {
  const comparable = (doc: unknown) => ({ ...(doc as Record<string, unknown>), sessionRev: null });
  return canonicalJson(comparable(device)) === canonicalJson(comparable(server));
}
