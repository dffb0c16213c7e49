import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import type { GuessBudget } from './guessBudget.js';
import type { RateLimiter } from './rateLimiter.js';

/** Counts an attempt; over the limit throws 429 with Retry-After. */
export function throttle(limiter: RateLimiter | GuessBudget, key: string): void {
  const decision = 'hit' in limiter ? limiter.hit(key) : limiter.take(key);
  if (decision.allowed) return;
  authFailuresTotal.inc({ reason: 'rate_limited' });
  throw new HttpError('too_many_attempts', `too many attempts; retry in ${decision.retryAfterS} s`, {
    headers: { 'Retry-After': String(decision.retryAfterS) },
  });
}
