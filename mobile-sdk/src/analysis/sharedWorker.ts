import type { Remote } from 'comlink';
import type { AnalysisDoc, ProgressDoc } from '@m2m/analysis-core';
import { inlineRunner, type AnalysisApi, type AnalysisRunner } from './analysisApi.js';

export interface WorkerHandle {
  api: Remote<AnalysisApi>;
  /** Calls back once if the worker dies (an error it did not catch, or its exit). */
  onFailure(callback: (reason: string) => void): void;
  terminate(): void;
}

/**
 * One analysis worker per JavaScript realm, shared by every client in it and
 * ended when the last client lets go: a phone runs one client, a fleet
 * simulator runs many, and neither needs a thread per client. A worker that
 * dies fails the calls under way (they would otherwise never settle) and the
 * next call starts a new one; where no worker can start at all, the analysis
 * runs inline.
 */
export function sharedWorkerRunner(start: () => WorkerHandle): () => AnalysisRunner {
  let handle: WorkerHandle | null = null;
  let users = 0;
  const pending = new Set<(reason: Error) => void>();

  const current = (): WorkerHandle | null => {
    if (handle) return handle;
    try {
      const started = start();
      started.onFailure((reason) => {
        if (handle === started) handle = null;
        for (const fail of pending) fail(new Error(`the analysis worker stopped: ${reason}`));
        pending.clear();
      });
      handle = started;
      return started;
    } catch {
      return null;
    }
  };

  const call = <T>(run: (api: Remote<AnalysisApi>) => Promise<T>, inline: () => Promise<T>): Promise<T> => {
    const worker = current();
    if (!worker) return inline();
    return new Promise<T>((resolve, reject) => {
      pending.add(reject);
      run(worker.api).then(resolve, reject).finally(() => pending.delete(reject));
    });
  };

  return () => {
    users += 1;
    let released = false;
    const fallback = inlineRunner();
    return {
      analyze: (session) => call<AnalysisDoc>((api) => api.analyze(session), () => fallback.analyze(session)),
      summarize: (analyses) => call<ProgressDoc>((api) => api.summarize(analyses), () => fallback.summarize(analyses)),
      release: () => {
        if (released) return;
        released = true;
        users -= 1;
        if (users === 0 && handle) {
          handle.terminate();
          handle = null;
        }
      },
    };
  };
}
