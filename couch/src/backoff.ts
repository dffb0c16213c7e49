/** Exponential backoff with jitter; the defaults suit a store that restarts in seconds. */
export interface BackoffPolicy {
  /** First delay's ceiling. */
  baseMs: number;
  /** Largest delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 15_000 };

/**
 * Delay before retry number `attempt` (0-based): uniform in [cap/2, cap] with
 * cap = min(maxMs, baseMs * 2^attempt). Half the cap is fixed so retries never
 * spin; the other half is jitter so many workers do not retry in step.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  signal: AbortSignal;
  /** Whether this failure is worth another attempt; false rethrows it. */
  shouldRetry(err: unknown): boolean;
  /** Called before each wait (for logs and metrics). */
  onRetry?(err: unknown, attempt: number, delayMs: number): void;
  policy?: BackoffPolicy;
}

/** Runs `attempt` until it succeeds, fails for good, or the signal aborts (then rejects with the abort reason). */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (options.signal.aborted || !options.shouldRetry(err)) throw err;
      const delay = backoffDelay(n, options.policy);
      options.onRetry?.(err, n + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
