import express, { type Router } from 'express';
import { sendError } from '../http/errors.js';
import { isBootstrapped } from '../storeAccess/bootstrap.js';
import type { StoreConnection } from '../storeAccess/storeConnection.js';
import { metricsRegistry } from './metrics.js';

/** GET /health (the process answers), /ready (the store answers and is bootstrapped), /metrics. */
export function opsRoutes(deps: { store: StoreConnection; dbPrefix: string }): Router {
  const router = express.Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    if (await isBootstrapped(deps.store, deps.dbPrefix)) {
      res.json({ status: 'ready' });
    } else {
      sendError(res, 503, 'not_ready', 'the store is unreachable or not bootstrapped');
    }
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  return router;
}
