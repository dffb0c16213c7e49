/** What a failed store call tells us, from nano's error shape. */

/** HTTP status of a store answer, or undefined when no answer came (network, timeout). */
export function storeStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** CouchDB's `error` field of a failed store call (e.g. `conflict`, `not_found`). */
export function storeErrorKind(err: unknown): string | undefined {
  const kind = (err as { error?: unknown } | null)?.error;
  return typeof kind === 'string' ? kind : undefined;
}

export function isStoreStatus(err: unknown, status: number): boolean {
  return storeStatus(err) === status;
}

/** The store could not be reached, timed out, or failed on its side: worth a retry later. */
export function isStoreUnavailable(err: unknown): boolean {
  const status = storeStatus(err);
  if (status !== undefined) return status >= 500;
  return err instanceof Error && /^error happened in your connection/.test(err.message);
}

/** A short, credential-free description of a store failure for messages and logs. */
export function describeStoreError(err: unknown): string {
  const status = storeStatus(err);
  const reason = (err as { reason?: unknown } | null)?.reason;
  if (status !== undefined) return `HTTP ${status}${typeof reason === 'string' && reason ? ` (${reason})` : ''}`;
  const message = err instanceof Error ? err.message : String(err);
  // nano wraps network failures in a sentence of its own; the cause is what helps.
  return message.replace(/^error happened in your connection\. Reason: /, '');
}

/** Start-up could not use the store; the message says what to fix. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
