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
    const by = authenticatedBy(res);
    // Anonymous: CouchDB answers 200 with nobody's context (Fauxton then shows its sign-in form).
    if (by === undefined) {
      return sendJson(res, 200, { ok: true, userCtx: { name: null, roles: [] }, info: { authentication_handlers: ['cookie', 'default'] } });
    }
    sendJson(res, 200, { ok: true, userCtx: adminCtx, info: { authentication_handlers: ['cookie', 'default'], authenticated: by } });
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
