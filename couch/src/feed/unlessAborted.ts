import { StoreError } from '../storeErrors.js';

/**
 * The request's answer, or "aborted" as soon as the signal fires. A long
 * poll is raced against its signal because nano can leave a request that is
 * cancelled while its body is being read unsettled for ever, and stopping
 * must not wait for that. The listener goes when the race is decided.
 */
export async function unlessAborted<T>(request: Promise<T>, signal: AbortSignal, target: string): Promise<T> {
  let abort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    abort = (): void => reject(new StoreError({ kind: 'aborted', target }));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  try {
    return await Promise.race([request, aborted]);
  } finally {
    if (abort) signal.removeEventListener('abort', abort);
  }
}
