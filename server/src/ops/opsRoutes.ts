import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { HttpError, sendError } from '../http/errors.js';
import { metricsRegistry } from './metrics.js';
import { isBootstrapped, type StoreClient } from '@m2m/couch';

/** Compares digests, so the comparison takes the same time whatever the length or content presented. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const digest = (value: string) => new Uint8Array(createHash('sha256').update(value, 'utf8').digest());
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * GET /health (the process answers), /ready (the store answers and is
 * bootstrapped), /metrics (only with `Authorization: Bearer <METRICS_TOKEN>`;
 * without a configured token it does not exist).
 */
export function opsRoutes(deps: { store: StoreClient; dbPrefix: string; metricsToken: string | undefined }): Router {
  const router = express.Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    if (await isBootstrapped(deps.store, deps.dbPrefix)) {
      res.json({ status: 'ready' });
    } else {
      sendError(res, new HttpError('not_ready', 'the store is unreachable or not bootstrapped'));
    }
  });

  router.get('/metrics', async (req, res) => {
    if (deps.metricsToken === undefined) return sendError(res, new HttpError('metrics_off', 'metrics are off: set METRICS_TOKEN to serve them'));
    if (!bearerMatches(req.get('authorization'), deps.metricsToken)) {
      return sendError(
        res,
        new HttpError('metrics_token_refused', 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"', { headers: { 'WWW-Authenticate': 'Bearer realm="m2m-metrics"' } }),
      );
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  return router;
}
