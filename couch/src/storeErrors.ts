/**
 * The one error model of every store call (gateway and worker alike), after
 * CouchDB's own `{error, reason}` answers: what failed, the status when the
 * store answered, and what was asked. Nothing else is thrown by the clients.
 */

/** How a store call failed: an HTTP answer, no answer, no answer in time, or cancelled by us. */
export type StoreFailureKind = 'http' | 'network' | 'timeout' | 'aborted';

/**
 * A failed store call as a value: CouchDB's `{error, reason}` plus the status
 * and what was asked (method and path, never credentials).
 */
export class StoreError extends Error {
  readonly kind: StoreFailureKind;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly reason: string | undefined;
  readonly target: string;

  constructor(
    fields: { kind: StoreFailureKind; status?: number; error?: string; reason?: string; target: string; detail?: string },
    options?: { cause?: unknown },
  ) {
    const what =
      fields.kind === 'http'
        ? `HTTP ${fields.status}${fields.error ? ` ${fields.error}` : ''}${fields.reason && fields.reason !== fields.error ? `: ${fields.reason}` : ''}`
        : fields.kind === 'timeout'
          ? `no answer in time (${fields.detail ?? 'The operation was aborted due to timeout'})`
          : fields.kind === 'aborted'
            ? 'cancelled'
            : `unreachable (${fields.detail ?? 'network error'})`;
    super(`store ${fields.target}: ${what}`, options);
    this.name = 'StoreError';
    this.kind = fields.kind;
    this.status = fields.status;
    this.error = fields.error;
    this.reason = fields.reason;
    this.target = fields.target;
  }
}

export function isStoreStatus(err: unknown, status: number): boolean {
  return err instanceof StoreError && err.status === status;
}

/** The call was cancelled because the worker is stopping. */
export function isAborted(err: unknown): boolean {
  return err instanceof StoreError && err.kind === 'aborted';
}

/**
 * Worth trying again later without changing anything: no answer, a timeout,
 * the store's own failure (5xx), throttling (429, 408), and refused
 * credentials (401/403: an operator may restore them; until then every call
 * fails and is retried, loudly). Other 4xx answers are the caller's to handle.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof StoreError)) return false;
  if (err.kind === 'network' || err.kind === 'timeout') return true;
  if (err.kind !== 'http' || err.status === undefined) return false;
  return err.status >= 500 || err.status === 429 || err.status === 408 || err.status === 401 || err.status === 403;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** HTTP status of a store answer, or undefined when no answer came (network, timeout, cancelled). */
export function storeStatus(err: unknown): number | undefined {
  return err instanceof StoreError && err.kind === 'http' ? err.status : undefined;
}

/** CouchDB's `error` field of a failed store call (e.g. `conflict`, `not_found`). */
export function storeErrorKind(err: unknown): string | undefined {
  return err instanceof StoreError ? err.error : undefined;
}

/** The store could not be reached, did not answer in time, or failed on its side: worth a retry later. */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof StoreError)) return false;
  if (err.kind === 'network' || err.kind === 'timeout') return true;
  return err.kind === 'http' && err.status !== undefined && err.status >= 500;
}

/** A short, credential-free description of a store failure for messages and logs. */
export const describeStoreError = describeError;

/** Start-up could not use the store (unreachable, wrong credentials, not an admin); the message says what to fix. */
export class StoreAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreAccessError';
  }
}
