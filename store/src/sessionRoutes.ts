import express, { type Router } from 'express';
import { isAdmin, type AdminCredentials } from './adminCredentials.js';
import { authenticatedBy } from './adminGate.js';
import { sendCouchError, sendJson } from './couchResponses.js';
import type { SessionCookies } from './sessionCookie.js';

/** CouchDB's cookie session API (/_session), for the one admin. */
export function sessionRoutes(admin: AdminCredentials, sessions: SessionCookies): Router {
  const router = express.Router();
  const adminCtx = { name: admin.username, roles: ['_admin'] };

  router.get('/_session', (_req, res) => {
    // The gate only lets the admin reach this.
    sendJson(res, 200, {
      ok: true,
      userCtx: adminCtx,
      info: { authentication_handlers: ['cookie', 'default'], authenticated: authenticatedBy(res) ?? 'default' },
    });
  });

  // Fauxton posts a form; other clients post JSON.
  router.post('/_session', express.json(), express.urlencoded({ extended: false }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body['name'] === 'string' ? body['name'] : '';
    const password = typeof body['password'] === 'string' ? body['password'] : '';
    if (!isAdmin(admin, name, password)) {
      return sendCouchError(res, 401, 'unauthorized', 'Name or password is incorrect.');
    }
    res.setHeader('Set-Cookie', sessions.setCookieHeader(sessions.issue(admin.username)));
    sendJson(res, 200, { ok: true, ...adminCtx });
  });

  router.delete('/_session', (_req, res) => {
    res.setHeader('Set-Cookie', sessions.clearCookieHeader());
    sendJson(res, 200, { ok: true });
  });

  return router;
}
