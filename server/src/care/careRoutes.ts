import type { CareLinksAnswer, Role, ShareCodeAnswer } from '@m2m/contract';
import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AccountsDatabase } from '../accounts/accountsDatabase.js';
import type { AccountDoc } from '../accounts/accountService.js';
import { isUserId } from '../accounts/userIds.js';
import type { Clock } from '../auth/clock.js';
import { parseBody } from '../auth/credentialsInput.js';
import { GuessBudget } from '../auth/guessBudget.js';
import { roleOf, userIdOf } from '../auth/requireUser.js';
import { throttle } from '../auth/throttle.js';
import type { CareConfig } from '../config.js';
import { HttpError, loggableError } from '../http/errors.js';
import { jsonBodyReader } from '../proxy/jsonBody.js';
import { CareDataClearer } from './careDataClearer.js';
import { LinkStore, publicLink, type LinkDoc, type Party } from './linkStore.js';
import { ShareCodes } from './shareCodes.js';
import type { StoreClient } from '@m2m/couch';

export interface CareRouterDeps {
  config: { dbPrefix: string; care: CareConfig };
  store: StoreClient;
  clock: Clock;
  logger: Logger;
}

/** The window of the redeem limits: 15 minutes. */
export const REDEEM_WINDOW_MS = 15 * 60_000;
const BODY_LIMIT_BYTES = 16 * 1024;

const redeemInput = z.object({
  code: z.string({ error: (issue) => (issue.input === undefined ? 'code is required' : 'code must be a string') }).max(100, 'code is not a share code'),
});

const SHARE_CODE_INVALID = 'the share code is unknown, expired or already used; ask the patient for a new one';

function requireRole(res: Response, role: Role, what: string): string {
  if (roleOf(res) !== role) throw new HttpError('wrong_role', `${what} is for ${role}s only`);
  return userIdOf(res);
}

/**
 * The care team's REST routes, mounted at `/api/care` behind requireUser:
 * share codes (patients), redeeming them (clinicians), and the links both
 * sides list and revoke. Routes it does not name fall through to the next
 * router.
 */
export function createCareRouter(deps: CareRouterDeps): Router {
  const { config, store, clock } = deps;
  const codes = new ShareCodes(store, config.dbPrefix, config.care.shareCodeTtlS, clock);
  const clearer = new CareDataClearer(store, config.dbPrefix, deps.logger);
  const links = new LinkStore(store, config.dbPrefix, clock, (patientId, clinicianId) => clearer.clear(patientId, clinicianId));
  const accounts = new AccountsDatabase(store, config.dbPrefix);
  // Only failed redeems count (a code that works is given back): a clinician linking many patients is never held up.
  const perClinician = new GuessBudget(config.care.redeemsPerClinician, REDEEM_WINDOW_MS, clock);
  const overall = new GuessBudget(config.care.redeemsGlobal, REDEEM_WINDOW_MS, clock);
  const readBody = jsonBodyReader(BODY_LIMIT_BYTES);
  const router = express.Router();

  const partyOf = async (userId: string): Promise<Party | undefined> => {
    const doc = await accounts.get<AccountDoc>(`account:${userId}`);
    return doc ? { userId, username: doc.username } : undefined;
  };

  // A share code is a secret for its fifteen minutes, and links name people: no cache may keep an answer.
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.post('/share-codes', async (_req, res) => {
    const patientId = requireRole(res, 'patient', 'making a share code');
    const made = await codes.create(patientId);
    if (!made.ok) {
      throw new HttpError('too_many_attempts', `you hold the most share codes that may be live at once; the next expires in ${made.retryAfterS} s`, {
        headers: { 'Retry-After': String(made.retryAfterS) },
      });
    }
    res.status(201).json({ code: made.code, expiresAt: made.expiresAt } satisfies ShareCodeAnswer);
  });

  router.post('/links', async (req, res) => {
    const clinicianId = requireRole(res, 'clinician', 'redeeming a share code');
    const { code } = parseBody(redeemInput, await readBody(req, res));
    throttle(perClinician, clinicianId);
    try {
      throttle(overall, 'all');
    } catch (err) {
      perClinician.giveBack(clinicianId);
      throw err;
    }
    const giveBack = (): void => {
      perClinician.giveBack(clinicianId);
      overall.giveBack('all');
    };
    let patientId: string | undefined;
    try {
      patientId = await codes.redeem(code, clinicianId);
    } catch (err) {
      giveBack(); // the store failed: nothing was guessed
      throw err;
    }
    if (patientId === undefined) throw new HttpError('share_code_invalid', SHARE_CODE_INVALID);
    giveBack(); // a code that works is not a guess
    let linked: LinkDoc;
    let patient: Party | undefined;
    let clinician: Party | undefined;
    try {
      [patient, clinician] = await Promise.all([partyOf(patientId), partyOf(clinicianId)]);
      if (!patient || !clinician) throw new HttpError('share_code_invalid', SHARE_CODE_INVALID);
      linked = await links.link(patient, clinician);
    } catch (err) {
      // The code is marked used but made no link: unused again, the clinician may retry with it.
      if (!(err instanceof HttpError)) {
        await codes.release(code, clinicianId).catch((releaseErr: unknown) => deps.logger.warn({ err: loggableError(releaseErr) }, 'a share code could not be given back'));
      }
      throw err;
    }
    // The patient may have deleted their account meanwhile, after its revokes read the links: undo this one.
    if (!(await partyOf(patient.userId))) {
      await links.revoke(patient.userId, clinician.userId, 'patient');
      throw new HttpError('share_code_invalid', SHARE_CODE_INVALID);
    }
    res.status(201).json(publicLink(linked));
  });

  router.get('/links', async (_req, res) => {
    const userId = userIdOf(res);
    const found = roleOf(res) === 'patient' ? await links.ofPatient(userId) : await links.ofClinician(userId);
    res.json({ links: found.map(publicLink) } satisfies CareLinksAnswer);
  });

  router.delete('/links/:otherUserId', async (req, res) => {
    const userId = userIdOf(res);
    const other = req.params['otherUserId'];
    if (!isUserId(other)) throw new HttpError('invalid_request', 'the path must end in the other user\'s id (26 characters a-z, 2-7)');
    const role = roleOf(res);
    const revoked = role === 'patient' ? await links.revoke(userId, other, 'patient') : await links.revoke(other, userId, 'clinician');
    if (!revoked) throw new HttpError('link_not_found', 'there is no link between you and this user');
    res.json(publicLink(revoked));
  });

  return router;
}
