import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import type { GuessBudget } from './guessBudget.js';
import type { RateLimiter } from './rateLimiter.js';

/** Counts an attempt; over the limit throws 429 with Retry-After. */
export function throttle(limiter: RateLimiter | GuessBudget, key: string): void {
  const decision = 'hit' in limiter ? limiter.hit(key) : limiter.take(key);
  if (decision.allowed) return;
  authFailuresTotal.inc({ reason: 'rate_limited' });
  throw new HttpError(
    429,
    'too_many_requests',
    `too many attempts; retry in ${decision.retryAfterS} s`,
    { 'Retry-After': String(decision.retryAfterS) },
  );
}
