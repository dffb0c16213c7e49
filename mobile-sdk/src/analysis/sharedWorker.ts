import type { Remote } from 'comlink';
import type { AnalysisApi, AnalysisRunner } from './analysisApi.js';

export interface WorkerHandle {
  api: Remote<AnalysisApi>;
  terminate(): void;
}

/**
 * One analysis worker per JavaScript realm, shared by every client in it and
 * ended when the last client lets go: a phone runs one client, a fleet
 * simulator runs many, and neither needs a thread per client.
 */
export function sharedWorkerRunner(start: () => WorkerHandle): () => AnalysisRunner {
  let handle: WorkerHandle | null = null;
  let users = 0;
  return () => {
    handle ??= start();
    const current = handle;
    users += 1;
    let released = false;
    return {
      analyze: (session) => current.api.analyze(session),
      summarize: (analyses) => current.api.summarize(analyses),
      release: () => {
        if (released) return;
        released = true;
        users -= 1;
        if (users === 0 && handle === current) {
          handle = null;
          current.terminate();
        }
      },
    };
  };
}
