import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { UsernameTakenError, type AccountService } from '../accounts/accountService.js';
import { ClientGoneError } from '../accounts/hashSlots.js';
import { abortOnClientClose } from '../http/clientClose.js';
import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import type { AccessTokens } from './accessTokens.js';
import type { AccountExistenceCache } from './accountExistence.js';
import { loginInput, parseBody, refreshInput, registrationInput } from './credentialsInput.js';
import type { RateLimiter } from './rateLimiter.js';
import type { RefreshTokens } from './refreshTokens.js';
import { throttle } from './throttle.js';

export interface AuthDeps {
  accounts: AccountService;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  existence: AccountExistenceCache;
  limits: { perClient: RateLimiter; perUsername: RateLimiter };
}

/** Credentials and tokens are small: a tight limit keeps unauthenticated requests cheap. */
export const AUTH_BODY_LIMIT = '16kb';

const BAD_CREDENTIALS = 'Name or password is incorrect.';

const clientKey = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The answer of register, login and refresh. */
async function tokensFor(deps: AuthDeps, userId: string, refreshToken?: string) {
  const access = deps.accessTokens.issue(userId);
  return {
    userId,
    accessToken: access.accessToken,
    refreshToken: refreshToken ?? (await deps.refreshTokens.issue(userId)),
    expiresIn: access.expiresIn,
  };
}

/** A handler whose client may leave while it waits for a password hash: then nobody is answered. */
function hashing(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (!(err instanceof ClientGoneError)) throw err;
      authFailuresTotal.inc({ reason: 'client_gone' });
    }
  };
}

/** POST /auth/register, /auth/login, /auth/refresh, /auth/logout. */
export function authRoutes(deps: AuthDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: AUTH_BODY_LIMIT }));

  router.post(
    '/register',
    hashing(async (req, res) => {
      throttle(deps.limits.perClient, clientKey(req));
      const { username, password } = parseBody(registrationInput, req.body);
      throttle(deps.limits.perUsername, username);
      try {
        const account = await deps.accounts.register(username, password, abortOnClientClose(res));
        res.status(201).json(await tokensFor(deps, account.userId));
      } catch (err) {
        if (err instanceof UsernameTakenError) throw new HttpError(409, 'conflict', 'this username is taken');
        throw err;
      }
    }),
  );

  router.post(
    '/login',
    hashing(async (req, res) => {
      throttle(deps.limits.perClient, clientKey(req));
      const { username, password } = parseBody(loginInput, req.body);
      throttle(deps.limits.perUsername, username.toLowerCase());
      const account = await deps.accounts.authenticate(username, password, abortOnClientClose(res));
      if (!account) {
        authFailuresTotal.inc({ reason: 'bad_credentials' });
        throw new HttpError(401, 'unauthorized', BAD_CREDENTIALS);
      }
      res.json(await tokensFor(deps, account.userId));
    }),
  );

  router.post('/refresh', async (req, res) => {
    throttle(deps.limits.perClient, clientKey(req));
    const { refreshToken } = parseBody(refreshInput, req.body);
    const rotated = await deps.refreshTokens.rotate(refreshToken);
    if (!rotated.ok) {
      authFailuresTotal.inc({ reason: `refresh_${rotated.failure}` });
      throw new HttpError(401, 'unauthorized', refreshFailureReason[rotated.failure]);
    }
    if (!(await deps.existence.exists(rotated.userId))) {
      authFailuresTotal.inc({ reason: 'unknown_account' });
      throw new HttpError(401, 'unauthorized', 'the account no longer exists');
    }
    res.json(await tokensFor(deps, rotated.userId, rotated.refreshToken));
  });

  router.post('/logout', async (req, res) => {
    const { refreshToken } = parseBody(refreshInput, req.body);
    await deps.refreshTokens.revoke(refreshToken);
    res.json({ ok: true });
  });

  return router;
}

const refreshFailureReason = {
  malformed: 'the refresh token is invalid',
  unknown: 'the refresh token is invalid',
  revoked: 'the refresh token was revoked; log in again',
  expired: 'the refresh token has expired; log in again',
  reused: 'the refresh token was already used; every token of this login is now revoked, log in again',
} as const;
