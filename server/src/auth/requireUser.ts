import type { ErrorCode, Role } from '@m2m/contract';
import type { RequestHandler, Response } from 'express';
import { authFailuresTotal } from '../ops/metrics.js';
import { HttpError, sendError } from '../http/errors.js';
import { requestLogger } from '../http/requestLogging.js';
import type { AccessTokens } from './accessTokens.js';
import { describeStoreError } from '@m2m/couch';

export interface RequireUserDeps {
  tokens: Pick<AccessTokens, 'verify'>;
  /** Whether the account still exists (a deleted user's tokens are refused). */
  accountExists(userId: string): Promise<boolean>;
  /** Whether the token's sign-in still holds (logout and refresh token reuse end it). */
  signInLive(userId: string, signInId: string): Promise<boolean>;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

function refuse(res: Response, code: ErrorCode, reason: string): void {
  sendError(res, new HttpError(code, reason, { headers: { 'WWW-Authenticate': 'Bearer realm="m2m"' } }));
}

/** The caller's user id, set by requireUser. */
export function userIdOf(res: Response): string {
  const userId: unknown = res.locals['userId'];
  if (typeof userId !== 'string') throw new Error('userIdOf: requireUser did not run on this route');
  return userId;
}

/** The caller's role (from the access token), set by requireUser. */
export function roleOf(res: Response): Role {
  const role: unknown = res.locals['role'];
  if (role !== 'patient' && role !== 'clinician') throw new Error('roleOf: requireUser did not run on this route');
  return role;
}

/**
 * Admits requests with a valid access token (`Authorization: Bearer <jwt>`)
 * of an existing account and sets `res.locals.userId` and `res.locals.role`;
 * answers 401 otherwise.
 */
export function requireUser(deps: RequireUserDeps): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match?.[1]) {
      authFailuresTotal.inc({ reason: 'invalid_token' });
      return refuse(res, 'access_token_required', header === undefined ? 'an access token is required' : 'the Authorization header must be "Bearer <access token>"');
    }
    const verified = deps.tokens.verify(match[1]);
    if (!verified.ok) {
      authFailuresTotal.inc({ reason: verified.failure === 'expired' ? 'expired_token' : 'invalid_token' });
      return refuse(res, verified.failure === 'expired' ? 'access_token_expired' : 'access_token_invalid', verified.reason);
    }
    let exists: boolean;
    let live: boolean;
    try {
      [exists, live] = await Promise.all([deps.accountExists(verified.userId), deps.signInLive(verified.userId, verified.signInId)]);
    } catch (err) {
      requestLogger(res)?.error({ err: describeStoreError(err) }, 'account lookup failed');
      return sendError(res, new HttpError('store_unavailable', 'the account store is unavailable; retry later'));
    }
    if (!exists) {
      authFailuresTotal.inc({ reason: 'unknown_account' });
      return refuse(res, 'account_deleted', 'the account no longer exists');
    }
    if (!live) {
      authFailuresTotal.inc({ reason: 'ended_sign_in' });
      return refuse(res, 'sign_in_ended', 'this sign-in has ended (logout, or its refresh token was reused); log in again');
    }
    res.locals['userId'] = verified.userId;
    res.locals['role'] = verified.role;
    next();
  };
}
