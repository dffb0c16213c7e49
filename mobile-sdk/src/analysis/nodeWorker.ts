import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { AnalysisApi } from './analysisApi.js';
import { sharedWorkerRunner, type WorkerHandle } from './sharedWorker.js';

/** A worker thread running `script`, which exposes the analysis API through comlink. */
export function nodeWorkerHandle(script: URL): WorkerHandle {
  const worker = new Worker(script);
  // An idle analysis thread must not keep a finished program alive.
  worker.unref();
  let terminated = false;
  return {
    api: Comlink.wrap<AnalysisApi>(nodeEndpoint(worker)),
    onFailure: (callback) => {
      // Without an 'error' listener a crash in the thread would end the whole process.
      worker.on('error', (err) => callback(err.message));
      worker.on('exit', (code) => {
        if (!terminated) callback(`exit code ${code}`);
      });
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

/** The analysis worker thread for Node (tests, simulators, tools). */
export const nodeWorkerRunner = sharedWorkerRunner(() => nodeWorkerHandle(new URL('./nodeWorkerScript.js', import.meta.url)));
