import { StoreError } from '../store/storeErrors.js';

/**
 * Rejects as "aborted" when the signal fires. A long poll is raced against
 * it because nano can leave a request that is cancelled while its body is
 * being read unsettled for ever, and stopping must not wait for that.
 */
export function whenAborted(signal: AbortSignal, target: string): Promise<never> {
  return new Promise((_, reject) => {
    const abort = (): void => reject(new StoreError({ kind: 'aborted', target }));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
