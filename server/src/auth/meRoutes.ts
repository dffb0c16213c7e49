import type { AccountAnswer, OkAnswer } from '@m2m/contract';
import express, { type Router } from 'express';
import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import { AUTH_BODY_LIMIT, type AuthDeps } from './authRoutes.js';
import { parseBody, passwordInput } from './credentialsInput.js';
import { requireUser, roleOf, userIdOf, type RequireUserDeps } from './requireUser.js';
import { throttle } from './throttle.js';

/** What requireUser checks, from the auth deps. */
export function userCheck(deps: AuthDeps): RequireUserDeps {
  return {
    tokens: deps.accessTokens,
    accountExists: (userId) => deps.existence.exists(userId),
    signInLive: (userId, signInId) => deps.signIns.isLive(userId, signInId),
  };
}

/** GET /me and DELETE /me (with the password). */
export function meRoutes(deps: AuthDeps): Router {
  const router = express.Router();
  router.use(requireUser(userCheck(deps)));
  router.use(express.json({ limit: AUTH_BODY_LIMIT }));

  router.get('/', async (_req, res) => {
    const account = await deps.accounts.getAccount(userIdOf(res));
    if (!account) throw new HttpError('account_deleted', 'the account no longer exists');
    res.json(account satisfies AccountAnswer);
  });

  router.delete('/', async (req, res) => {
    const userId = userIdOf(res);
    throttle(deps.limits.perUsername, `user:${userId}`);
    const { password } = parseBody(passwordInput, req.body);
    if (!(await deps.accounts.passwordMatches(userId, password))) {
      authFailuresTotal.inc({ reason: 'bad_credentials' });
      throw new HttpError('password_incorrect', 'the password is incorrect');
    }
    // Share codes first, so that none can be redeemed once the links are revoked; then the links, so that
    // the worker takes this user's data out of every clinician's care database.
    const role = roleOf(res);
    await deps.care.shareCodes.removeAllOf(userId);
    await deps.care.links.revokeAllOf(userId, role);
    deps.existence.forget(userId);
    await deps.accounts.deleteAccount(userId);
    deps.existence.forget(userId);
    // A redeem that read its code before the codes went may have linked since: revoke again. One linking
    // later still finds the account gone and revokes its own link (careRoutes.ts).
    await deps.care.links.revokeAllOf(userId, role);
    if (role === 'patient') await deps.care.links.forgetPatient(userId);
    await deps.refreshTokens.removeAllForUser(userId);
    res.json({ ok: true } satisfies OkAnswer);
  });

  return router;
}
