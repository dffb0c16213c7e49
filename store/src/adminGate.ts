import type { Request, RequestHandler, Response } from 'express';
import { isAdmin, parseBasicAuth, type AdminCredentials } from './adminCredentials.js';
import { sendCouchError } from './couchResponses.js';
import { readCookie, SESSION_COOKIE, type SessionCookies } from './sessionCookie.js';

export type AuthenticatedBy = 'default' | 'cookie';

/** How the current request proved it is the admin (set by the gate). */
export function authenticatedBy(res: Response): AuthenticatedBy | undefined {
  return res.locals['authenticatedBy'] as AuthenticatedBy | undefined;
}

function refuse(res: Response, reason: string): void {
  // No Basic challenge, as CouchDB by default: a browser would put up its own login prompt
  // over Fauxton's sign-in form.
  sendCouchError(res, 401, 'unauthorized', reason);
}

const isFauxtonFile = (req: Request): boolean =>
  (req.method === 'GET' || req.method === 'HEAD') && (req.path === '/_utils' || req.path.startsWith('/_utils/'));

/**
 * Admits only the store admin, by HTTP Basic credentials or a session cookie
 * from POST /_session, before anything else (express-pouchdb included) sees
 * the request. An anonymous client may only sign in and out (/_session, where
 * GET tells it it is nobody, as CouchDB does) and load Fauxton's files,
 * served here by `fauxtonFiles` and nothing else.
 */
export function adminGate(admin: AdminCredentials, sessions: SessionCookies, fauxtonFiles: RequestHandler): RequestHandler {
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

    if (req.path === '/_session' && ['GET', 'POST', 'DELETE'].includes(req.method)) return next();
    if (isFauxtonFile(req)) return fauxtonFiles(req, res, () => refuse(res, 'Authentication required.'));
    return refuse(res, 'Authentication required.');
  };
}
