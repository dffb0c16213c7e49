import type { RequestHandler, Response } from 'express';
import { isAdmin, parseBasicAuth, type AdminCredentials } from './adminCredentials.js';
import { sendCouchError } from './couchResponses.js';
import { readCookie, SESSION_COOKIE, type SessionCookies } from './sessionCookie.js';

const REALM = 'M2M embedded store';

export type AuthenticatedBy = 'default' | 'cookie';

/** How the current request proved it is the admin (set by the gate). */
export function authenticatedBy(res: Response): AuthenticatedBy | undefined {
  return res.locals['authenticatedBy'] as AuthenticatedBy | undefined;
}

function refuse(res: Response, reason: string): void {
  // The Basic challenge lets a browser (Fauxton at /_utils) ask for the login.
  res.setHeader('WWW-Authenticate', `Basic realm="${REALM}"`);
  sendCouchError(res, 401, 'unauthorized', reason);
}

/**
 * Admits only the store admin, by HTTP Basic credentials or a session cookie
 * from POST /_session, before anything else (express-pouchdb included) sees
 * the request. Logging in and out (POST/DELETE /_session) is the one thing an
 * anonymous client may do.
 */
export function adminGate(admin: AdminCredentials, sessions: SessionCookies): RequestHandler {
  return (req, res, next) => {
    const basic = parseBasicAuth(req.headers.authorization);
    if (req.headers.authorization !== undefined) {
      if (basic && isAdmin(admin, basic.username, basic.password)) {
        res.locals['authenticatedBy'] = 'default';
        return next();
      }
      return refuse(res, 'Name or password is incorrect.');
    }

    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = cookie === undefined ? undefined : sessions.verify(cookie);
    if (session && session.name === admin.username) {
      if (sessions.needsRefresh(session.expiresAt)) {
        res.setHeader('Set-Cookie', sessions.setCookieHeader(sessions.issue(admin.username)));
      }
      res.locals['authenticatedBy'] = 'cookie';
      return next();
    }

    if (req.path === '/_session' && (req.method === 'POST' || req.method === 'DELETE')) return next();
    return refuse(res, 'Authentication required.');
  };
}
