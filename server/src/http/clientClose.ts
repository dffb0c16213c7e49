import type { Response } from 'express';

/** A signal that fires when the client goes away before its answer is complete. */
export function abortOnClientClose(res: Response): AbortSignal {
  const controller = new AbortController();
  if (res.socket?.destroyed) controller.abort();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
