import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package's export naming the compiled thread module (see package.json "exports"). */
export const ANALYSIS_THREAD_EXPORT = '@m2m/sync/analysis-thread';

/**
 * The built analysis thread (`dist/pool/analysisThread.js`), found through the
 * package's own exports whether the caller runs from dist/ or from the
 * TypeScript sources: a worker thread runs JavaScript only, so it always
 * loads the build. Throws, naming the fix, when the package is not built.
 */
export function analysisThreadUrl(entry: URL = new URL(import.meta.resolve(ANALYSIS_THREAD_EXPORT))): URL {
  if (!existsSync(fileURLToPath(entry))) {
    throw new Error(`AnalysisPool: the analysis thread ${fileURLToPath(entry)} is not built; run \`npm run build -w @m2m/sync\` (or \`npx tsc -b\` at the root)`);
  }
  return entry;
}
