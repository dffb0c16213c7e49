import type { ErrorCode, OkAnswer, Role, SignInAnswer, TokenPair } from '@m2m/contract';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { UsernameTakenError, type AccountService, type RegistrationOptions } from '../accounts/accountService.js';
import type { Invitations } from '../care/invitations.js';
import type { LinkStore } from '../care/linkStore.js';
import type { ShareCodes } from '../care/shareCodes.js';
import { ClientGoneError } from '../accounts/hashSlots.js';
import { abortOnClientClose } from '../http/clientClose.js';
import { HttpError } from '../http/errors.js';
import { authFailuresTotal } from '../ops/metrics.js';
import type { AccessTokens } from './accessTokens.js';
import type { AccountExistenceCache } from './accountExistence.js';
import { loginInput, parseBody, refreshInput, registrationInput } from './credentialsInput.js';
import type { DeviceTokens } from './deviceTokens.js';
import type { GuessBudget } from './guessBudget.js';
import type { RateLimiter } from './rateLimiter.js';
import type { RefreshTokens } from './refreshTokens.js';
import type { SignInStatus } from './signInStatus.js';
import { throttle } from './throttle.js';

export interface AuthDeps {
  accounts: AccountService;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  deviceTokens: DeviceTokens;
  existence: AccountExistenceCache;
  invitations: Invitations;
  /** What of the care team goes with an account: its links are revoked, its share codes removed. */
  care: { links: LinkStore; shareCodes: ShareCodes };
  signIns: SignInStatus;
  limits: { perClient: RateLimiter; perUsername: RateLimiter; loginGuesses: GuessBudget };
}

/** Credentials and tokens are small: a tight limit keeps unauthenticated requests cheap. */
export const AUTH_BODY_LIMIT = '16kb';

const BAD_CREDENTIALS = 'Name or password is incorrect.';

const clientKey = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The answer of register, login and refresh: the access token names its sign-in (refresh token family). */
function tokensOf(deps: AuthDeps, account: { userId: string; role: Role }, signIn: { signInId: string; refreshToken: string }): TokenPair {
  const { userId, role } = account;
  const access = deps.accessTokens.issue(userId, signIn.signInId, role);
  return { userId, role, accessToken: access.accessToken, refreshToken: signIn.refreshToken, expiresIn: access.expiresIn };
}

const INVITATION_INVALID = 'the invitation is unknown, expired or already used';

/**
 * A registration with an invitation makes a clinician: the code is checked
 * before the password is hashed (no hash for a wrong code) and claimed once
 * the user id exists, so that of two registrations with one code exactly one
 * succeeds; a registration that fails later gives the code back.
 */
async function registrationOptions(deps: AuthDeps, invitation: string | undefined): Promise<RegistrationOptions> {
  if (invitation === undefined) return {};
  if (!(await deps.invitations.isUsable(invitation))) throw new HttpError('invitation_invalid', INVITATION_INVALID);
  return {
    role: 'clinician',
    claim: async (userId) => {
      if (!(await deps.invitations.claim(invitation, userId))) throw new HttpError('invitation_invalid', INVITATION_INVALID);
    },
    release: (userId) => deps.invitations.release(invitation, userId),
  };
}

/**
 * Whose guesses a login spends (OWASP, device cookies): a device that signed
 * in to the account holding this username spends its own; every other client
 * shares the username's budget for unknown devices. The token names the
 * account, not the name: a name registered again after a deletion is another
 * account, and the former owner's devices are unknown to it.
 */
async function guessKey(deps: AuthDeps, username: string, deviceToken: string | undefined): Promise<string> {
  const userId = deviceToken === undefined ? undefined : await deps.accounts.userIdOf(username);
  const deviceId = deviceToken === undefined || userId === undefined ? undefined : deps.deviceTokens.deviceOf(deviceToken, userId);
  return deviceId === undefined ? `unknown-devices:${username}` : `device:${deviceId}`;
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
  // Every answer here may carry tokens: no cache (browser, proxy) may keep one.
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: AUTH_BODY_LIMIT }));

  router.post(
    '/register',
    hashing(async (req, res) => {
      throttle(deps.limits.perClient, clientKey(req));
      const { username, password, invitation } = parseBody(registrationInput, req.body);
      throttle(deps.limits.perUsername, username);
      const options = await registrationOptions(deps, invitation);
      try {
        const account = await deps.accounts.register(username, password, abortOnClientClose(res), options);
        const signIn = await deps.refreshTokens.issue(account.userId);
        const answer: SignInAnswer = { ...tokensOf(deps, account, signIn), deviceToken: deps.deviceTokens.issue(account.userId) };
        res.status(201).json(answer);
      } catch (err) {
        if (err instanceof UsernameTakenError) throw new HttpError('username_taken', 'this username is taken');
        throw err;
      }
    }),
  );

  router.post(
    '/login',
    hashing(async (req, res) => {
      throttle(deps.limits.perClient, clientKey(req));
      const input = parseBody(loginInput, req.body);
      const username = input.username.toLowerCase();
      // Taken before the hash, so concurrent guesses cannot overshoot; given back when the password was right.
      const key = await guessKey(deps, username, input.deviceToken);
      throttle(deps.limits.loginGuesses, key);
      let account;
      try {
        account = await deps.accounts.authenticate(input.username, input.password, abortOnClientClose(res));
      } catch (err) {
        deps.limits.loginGuesses.giveBack(key); // not a guess: nothing was checked
        throw err;
      }
      if (!account) {
        authFailuresTotal.inc({ reason: 'bad_credentials' });
        throw new HttpError('credentials_incorrect', BAD_CREDENTIALS);
      }
      deps.limits.loginGuesses.giveBack(key);
      const signIn = await deps.refreshTokens.issue(account.userId);
      const answer: SignInAnswer = { ...tokensOf(deps, account, signIn), deviceToken: deps.deviceTokens.issue(account.userId, input.deviceToken) };
      res.json(answer);
    }),
  );

  router.post('/refresh', async (req, res) => {
    throttle(deps.limits.perClient, clientKey(req));
    const { refreshToken } = parseBody(refreshInput, req.body);
    const rotated = await deps.refreshTokens.rotate(refreshToken);
    if (!rotated.ok) {
      authFailuresTotal.inc({ reason: `refresh_${rotated.failure}` });
      throw new HttpError(refreshFailureCode[rotated.failure], refreshFailureReason[rotated.failure]);
    }
    // The account itself, not the existence cache: its role goes into the new access token.
    const account = await deps.accounts.getAccount(rotated.userId);
    if (!account) {
      authFailuresTotal.inc({ reason: 'unknown_account' });
      throw new HttpError('account_deleted', 'the account no longer exists');
    }
    res.json(tokensOf(deps, account, rotated));
  });

  router.post('/logout', async (req, res) => {
    const { refreshToken } = parseBody(refreshInput, req.body);
    await deps.refreshTokens.revoke(refreshToken);
    res.json({ ok: true } satisfies OkAnswer);
  });

  return router;
}

const refreshFailureCode = {
  malformed: 'refresh_token_invalid',
  unknown: 'refresh_token_invalid',
  revoked: 'refresh_token_revoked',
  expired: 'refresh_token_expired',
  reused: 'refresh_token_reused',
} as const satisfies Record<string, ErrorCode>;

const refreshFailureReason = {
  malformed: 'the refresh token is invalid',
  unknown: 'the refresh token is invalid',
  revoked: 'the refresh token was revoked; log in again',
  expired: 'the refresh token has expired; log in again',
  reused: 'the refresh token was already used; every token of this login is now revoked, log in again',
} as const;
