import { once } from 'node:events';
import { ANALYSES_CSV_HEADER, analysisRow, careDatabase, csvLine, type AnalysisDoc } from '@m2m/analysis-core';
import { allDocs, type StoreClient } from '@m2m/couch';
import express, { type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { isUserId } from '../accounts/userIds.js';
import { roleOf, userIdOf } from '../auth/requireUser.js';
import type { Clock } from '../auth/clock.js';
import { LinkStore } from '../care/linkStore.js';
import { HttpError, loggableError } from '../http/errors.js';
import { storeFailure } from './storeFailure.js';

export interface CareCsvDeps {
  config: { dbPrefix: string };
  store: StoreClient;
  logger: Logger;
  clock: Clock;
}

/** Care documents read from the store per request while the CSV streams. */
const PAGE = 500;

/** `analysis:<patientId>:<sessionId>` in the clinician's care database (written by the worker). */
interface CareAnalysisDoc {
  _id: string;
  type?: unknown;
  patientId?: unknown;
  analysis?: AnalysisDoc;
}

/**
 * Writes text, waiting while the client's socket buffer is full, so a slow
 * reader holds no more than a page in memory; a client that leaves ends the wait.
 */
async function send(res: Response, text: string): Promise<void> {
  if (res.write(text) || res.destroyed) return;
  const gone = new AbortController();
  await Promise.race([once(res, 'drain', { signal: gone.signal }), once(res, 'close', { signal: gone.signal })]).catch(() => {});
  gone.abort();
}

/**
 * `GET /api/care/patients/<patientId>/analyses.csv`: a linked patient's
 * analyses as CSV (analysis-core's `analysesCsv` columns), oldest session
 * first. Clinicians only, with an active link (the links database is the
 * source of truth; checked again before each page, so a revoke cuts a slow
 * export short); read from the clinician's own care database only, never
 * from the patient's. Mounted at `/api/care` behind requireUser.
 */
export function createCareCsvRouter(deps: CareCsvDeps): Router {
  const { config, store, logger } = deps;
  const links = new LinkStore(store, config.dbPrefix, deps.clock);
  const router = express.Router();

  router.get('/patients/:patientId/analyses.csv', async (req, res) => {
    if (roleOf(res) !== 'clinician') throw new HttpError('wrong_role', 'exporting a patient\'s analyses is for clinicians only');
    const clinicianId = userIdOf(res);
    const patientId = req.params['patientId'];
    if (!isUserId(patientId)) throw new HttpError('invalid_request', 'the path must name the patient by user id (26 characters a-z, 2-7)');
    if (Object.keys(req.query).length > 0) throw new HttpError('invalid_request', `query parameter ${JSON.stringify(Object.keys(req.query)[0]?.slice(0, 40))} is not allowed here (none are)`);
    const link = await links.get(patientId, clinicianId);
    if (link?.status !== 'active') throw new HttpError('patient_not_linked', 'you have no active link with this patient');

    const db = careDatabase(config.dbPrefix, clinicianId);
    const prefix = `analysis:${patientId}:`;
    // The first page is read before the answer starts, so a store failure is still a clean error answer.
    let page = await allDocs<CareAnalysisDoc>(store, db, { startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true, limit: PAGE }).catch((err: unknown) => {
      throw storeFailure(err);
    });
    res.status(200);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="analyses-${patientId}.csv"`,
      'Cache-Control': 'no-store',
    });
    try {
      await send(res, ANALYSES_CSV_HEADER);
      for (;;) {
        let text = '';
        for (const row of page.rows) {
          const doc = row.doc;
          if (doc?.type === 'care-analysis' && doc.patientId === patientId && doc.analysis) text += csvLine(analysisRow(doc.analysis));
        }
        if (text) await send(res, text);
        const last = page.rows[page.rows.length - 1];
        if (page.rows.length < PAGE || !last || res.destroyed) break;
        // A slow reader may take long: a link revoked meanwhile ends the export, cut so the client sees it incomplete.
        if ((await links.get(patientId, clinicianId))?.status !== 'active') {
          logger.info({ patientId, clinicianId }, 'care CSV export cut: the link was revoked while it streamed');
          res.destroy();
          return;
        }
        page = await allDocs<CareAnalysisDoc>(store, db, { startkey: last.id, endkey: `${prefix}\ufff0`, include_docs: true, limit: PAGE, skip: 1 });
      }
      res.end();
    } catch (err) {
      // The answer has started: cutting it is the only way to tell the client it is incomplete.
      logger.warn({ err: loggableError(err) }, 'care CSV export cut short');
      res.destroy();
    }
  });

  return router;
}
