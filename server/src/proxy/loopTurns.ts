import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/** Longest stretch of per-document work before other requests get a turn. */
export const WORK_SLICE_MS = 4;

/**
 * For loops over a request's documents: call the returned function after
 * each item; once `sliceMs` of work has passed it yields to the event loop
 * (other requests, `/health`, timers) before the loop goes on, so a large
 * batch never holds the gateway for more than a slice at a time.
 */
export function loopTurns(sliceMs = WORK_SLICE_MS): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await nextTurn();
    sliceStart = performance.now();
  };
}
