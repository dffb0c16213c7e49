import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { AccountService } from '../accounts/accountService.js';
import { AccessTokens } from '../auth/accessTokens.js';
import { AccountExistenceCache } from '../auth/accountExistence.js';
import { authRoutes, type AuthDeps } from '../auth/authRoutes.js';
import { systemClock, type Clock } from '../auth/clock.js';
import { DeviceTokens } from '../auth/deviceTokens.js';
import { GuessBudget } from '../auth/guessBudget.js';
import { meRoutes, userCheck } from '../auth/meRoutes.js';
import { RateLimiter } from '../auth/rateLimiter.js';
import { RefreshTokens } from '../auth/refreshTokens.js';
import { requireUser } from '../auth/requireUser.js';
import { SignInStatus } from '../auth/signInStatus.js';
import { CareDataClearer } from '../care/careDataClearer.js';
import { Invitations } from '../care/invitations.js';
import { LinkStore } from '../care/linkStore.js';
import { ShareCodes } from '../care/shareCodes.js';
import { PasswordHasher, scryptCost } from '../accounts/passwordHashing.js';
import type { GatewayConfig } from '../config.js';
import { opsRoutes } from '../ops/opsRoutes.js';
import { errorHandler, notFound } from './errors.js';
import { assignRequestId, REQUEST_ID_HEADER } from './requestId.js';
import { labelMount, logRequests } from './requestLogging.js';
import type { StoreClient } from '@m2m/couch';

export interface AppDeps {
  /** `jwtSecret` must be set (gateway.ts fills in the generated one). */
  config: GatewayConfig;
  store: StoreClient;
  logger: Logger;
  routers?: { sync?: Router; api?: Router };
  /** Time source of tokens and rate limits (tests move it). */
  clock?: Clock;
}

/** The links as account deletion revokes them: each revoke clears the care data at once. */
function careLinks(prefix: string, store: StoreClient, clock: Clock, logger: Logger): LinkStore {
  const clearer = new CareDataClearer(store, prefix, logger);
  return new LinkStore(store, prefix, clock, (patientId, clinicianId) => clearer.clear(patientId, clinicianId));
}

/** The accounts, tokens and limits behind /auth and /me. */
function authDeps(config: GatewayConfig, store: StoreClient, clock: Clock, logger: Logger): AuthDeps {
  if (config.jwtSecret === undefined) throw new Error('createApp: config.jwtSecret must be resolved before');
  const accounts = new AccountService(store, config.dbPrefix, clock, new PasswordHasher(scryptCost(config.signIn.scryptLog2N)));
  const { perClient, perUsername, windowS } = config.authRateLimit;
  // The status cache and the refresh tokens refer to each other; the lookup runs only once both exist.
  const signIns = new SignInStatus((userId, signInId) => refreshTokens.isLive(userId, signInId), clock);
  const refreshTokens = new RefreshTokens(store, config.dbPrefix, {
    ttlS: config.refreshTokenTtlS,
    graceS: config.signIn.refreshReuseGraceS,
    clock,
    onEnded: (userId, signInId) => signIns.markEnded(userId, signInId),
  });
  return {
    accounts,
    accessTokens: new AccessTokens(config.jwtSecret, config.accessTokenTtlS, clock),
    refreshTokens,
    deviceTokens: new DeviceTokens(config.jwtSecret, clock),
    existence: new AccountExistenceCache(async (userId) => (await accounts.getAccount(userId)) !== undefined, clock),
    invitations: new Invitations(store, config.dbPrefix, clock),
    care: { links: careLinks(config.dbPrefix, store, clock, logger), shareCodes: new ShareCodes(store, config.dbPrefix, config.care.shareCodeTtlS, clock) },
    signIns,
    limits: {
      perClient: new RateLimiter(perClient, windowS, clock),
      perUsername: new RateLimiter(perUsername, windowS, clock),
      loginGuesses: new GuessBudget(config.signIn.loginGuessesPerHour, 3_600_000, clock),
    },
  };
}

/**
 * The JSON body parser of `/api`, except under `/api/care`: the care routes
 * read their own small bodies (16 KiB), which a parser with the larger
 * session upload limit running first would make moot.
 */
function apiBodies(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes });
  return (req, res, next) => (req.path === '/care' || req.path.startsWith('/care/') ? next() : parse(req, res, next));
}

/**
 * The gateway's Express application: request ids and logging, security
 * headers, CORS, operations, accounts, and the routers for /sync and /api
 * behind the access token check. Every error is a JSON body.
 */
export function createApp(deps: AppDeps): Express {
  const { config, store, logger } = deps;
  const auth = authDeps(config, store, deps.clock ?? systemClock, logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  app.use(assignRequestId());
  app.use(logRequests(logger));
  app.use(helmet());
  app.use(
    cors({
      origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept', REQUEST_ID_HEADER],
      exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After', 'ETag', 'WWW-Authenticate'],
      maxAge: 600,
    }),
  );

  app.use(opsRoutes({ store, dbPrefix: config.dbPrefix, metricsToken: config.signIn.metricsToken }));
  app.use('/auth', labelMount('/auth'), authRoutes(auth));
  app.use('/me', labelMount('/me'), meRoutes(auth));

  const authenticated = requireUser(userCheck(auth));
  // Bodies are read after authentication: an anonymous client cannot make us read megabytes.
  // The sync proxy reads its own: it keeps the bytes, to forward a batch whose every document
  // passes as it came, and parses a batch a document at a time (jsonBytes.ts).
  if (deps.routers?.sync) app.use('/sync', labelMount('/sync'), authenticated, deps.routers.sync);
  if (deps.routers?.api) app.use('/api', labelMount('/api'), authenticated, apiBodies(config.bodyLimitBytes), deps.routers.api);

  app.use(notFound());
  app.use(errorHandler(logger));
  return app;
}
