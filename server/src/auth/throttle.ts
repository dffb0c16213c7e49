import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import type { RateLimiter } from './rateLimiter.js';

/** Counts an attempt; over the limit throws 429 with Retry-After. */
export function throttle(limiter: RateLimiter, key: string): void {
  const decision = limiter.hit(key);
  if (decision.allowed) return;
  authFailuresTotal.inc({ reason: 'rate_limited' });
  throw new HttpError(
    429,
    'too_many_requests',
    `too many attempts; retry in ${decision.retryAfterS} s`,
    { 'Retry-After': String(decision.retryAfterS) },
  );
}
