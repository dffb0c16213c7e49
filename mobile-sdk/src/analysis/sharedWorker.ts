import type { Remote } from 'comlink';
import type { AnalysisDoc, ProgressDoc } from '@m2m/analysis-core';
import { BehaviorSubject } from 'rxjs';
import type { AnalysisPlace } from '../types.js';
import { inlineRunner, type AnalysisApi, type AnalysisRunner } from './analysisApi.js';

export interface WorkerHandle {
  api: Remote<AnalysisApi>;
  /** Calls back once if the worker dies (its script failed to load, an error it did not catch, or its exit). */
  onFailure(callback: (reason: string) => void): void;
  terminate(): void;
}

export interface SharedWorkerOptions {
  /** How long a new worker may take to load and answer before the analysis runs inline. */
  loadTimeoutMs?: number;
}

/** Long enough for a slow phone to load the analysis code; short enough that a stalled fetch does not hide results. */
const LOAD_TIMEOUT_MS = 10_000;

interface Started {
  handle: WorkerHandle;
  /** Settles when the worker answered its first call, or rejects with why it could not load. */
  loaded: Promise<void>;
}

/**
 * One analysis worker per JavaScript realm, shared by every client in it and
 * ended when the last client lets go: a phone runs one client, a fleet
 * simulator runs many, and neither needs a thread per client.
 *
 * A worker that cannot start (the constructor throws) or cannot load (its
 * script is not reachable offline, a module fails, or it does not answer in
 * time) is not tried again in this realm: the analysis runs inline, same code,
 * same result, and `place$` says so. A worker that loaded and then dies fails
 * the calls under way (they would otherwise never settle) and the next call
 * starts a new one.
 */
export function sharedWorkerRunner(start: () => WorkerHandle, options: SharedWorkerOptions = {}): () => AnalysisRunner {
  const loadTimeoutMs = options.loadTimeoutMs ?? LOAD_TIMEOUT_MS;
  const place = new BehaviorSubject<AnalysisPlace>({ runsIn: 'worker', reason: null });
  let current: Started | null = null;
  let users = 0;
  const pending = new Set<(reason: Error) => void>();

  const giveUp = (reason: string): void => {
    if (place.value.runsIn === 'worker') place.next({ runsIn: 'inline', reason });
  };

  const startWorker = (): Started | null => {
    let handle: WorkerHandle;
    try {
      handle = start();
    } catch (err) {
      giveUp(`the analysis worker could not start: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    let failLoad: (reason: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (failLoad = reject));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`it did not answer within ${loadTimeoutMs} ms`)), loadTimeoutMs);
    });
    const loaded = Promise.race([handle.api.ready().then(() => undefined), failed, timedOut]).finally(() => clearTimeout(timer));
    const started: Started = { handle, loaded };
    handle.onFailure((reason) => {
      failLoad(new Error(reason));
      if (current === started) current = null;
      for (const fail of pending) fail(new Error(`the analysis worker stopped: ${reason}`));
      pending.clear();
    });
    // Observed here so that a load failure nobody awaits yet is not an unhandled rejection.
    loaded.catch(() => undefined);
    return started;
  };

  /** The loaded worker, or null when the analysis runs inline. */
  const worker = async (): Promise<WorkerHandle | null> => {
    if (place.value.runsIn === 'inline') return null;
    current ??= startWorker();
    const started = current;
    if (!started) return null;
    try {
      await started.loaded;
      return started.handle;
    } catch (err) {
      if (current === started) current = null;
      started.handle.terminate();
      giveUp(`the analysis worker could not load: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };

  const inline = inlineRunner();
  const call = async <T>(run: (api: Remote<AnalysisApi>) => Promise<T>, runInline: () => Promise<T>): Promise<T> => {
    const handle = await worker();
    if (!handle) return runInline();
    return new Promise<T>((resolve, reject) => {
      pending.add(reject);
      run(handle.api).then(resolve, reject).finally(() => pending.delete(reject));
    });
  };

  return () => {
    users += 1;
    let released = false;
    return {
      analyze: (session) => call<AnalysisDoc>((api) => api.analyze(session), () => inline.analyze(session)),
      summarize: (analyses) => call<ProgressDoc>((api) => api.summarize(analyses), () => inline.summarize(analyses)),
      place$: place.asObservable(),
      release: () => {
        if (released) return;
        released = true;
        users -= 1;
        if (users === 0 && current) {
          current.handle.terminate();
          current = null;
        }
      },
    };
  };
}
