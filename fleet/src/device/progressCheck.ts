import { summarizeProgress, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';
import { canonicalJson } from '@m2m/mobile-sdk';

/** A result as analysis-core made it: the SDK's `source` taken off. */
export function withoutSource<T extends { source: unknown }>(value: T): Omit<T, 'source'> {
  const copy: Partial<T> = { ...value };
  delete copy.source;
  return copy as Omit<T, 'source'>;
}

/**
 * Null when the progress a device shows is what analysis-core's
 * summarizeProgress makes of the server analyses on that device; otherwise
 * which top-level fields differ.
 */
export function progressProblem(shown: (ProgressDoc & { source: string }) | null, analyses: readonly AnalysisDoc[]): string | null {
  if (!shown) return 'the device shows no progress';
  if (shown.source !== 'server') return `the device shows progress from the ${shown.source}, not the server`;
  const progress = withoutSource(shown);
  const expected = summarizeProgress(analyses);
  if (canonicalJson(progress) === canonicalJson(expected)) return null;
  const keys = new Set([...Object.keys(progress), ...Object.keys(expected)]);
  const differing = [...keys].filter(
    (key) => canonicalJson((progress as Record<string, unknown>)[key]) !== canonicalJson((expected as unknown as Record<string, unknown>)[key]),
  );
  return `the device's progress differs from summarizeProgress of its server analyses in ${differing.join(', ')}`;
}
