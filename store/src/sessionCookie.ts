import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { safeEqual } from './adminCredentials.js';

export const SESSION_COOKIE = 'AuthSession';

/** CouchDB's default session timeout (couch_httpd_auth/timeout). */
const SESSION_SECONDS = 600;

/**
 * Signed session cookies: `<base64url name>.<expiry ms>.<HMAC-SHA256>`. The key
 * is random per process, so a restart logs everybody out, which is fine for a
 * loopback admin console.
 */
export class SessionCookies {
  private readonly key = createSecretKey(new Uint8Array(randomBytes(32)));

  issue(name: string, now = Date.now()): string {
    const payload = `${Buffer.from(name, 'utf8').toString('base64url')}.${now + SESSION_SECONDS * 1000}`;
    return `${payload}.${this.sign(payload)}`;
  }

  /** The session's user name when the cookie is authentic and unexpired. */
  verify(cookie: string, now = Date.now()): { name: string; expiresAt: number } | undefined {
    const parts = cookie.split('.');
    if (parts.length !== 3) return undefined;
    const [encodedName, expiry, signature] = parts as [string, string, string];
    if (!safeEqual(signature, this.sign(`${encodedName}.${expiry}`))) return undefined;
    const expiresAt = Number(expiry);
    if (!Number.isFinite(expiresAt) || expiresAt <= now) return undefined;
    return { name: Buffer.from(encodedName, 'base64url').toString('utf8'), expiresAt };
  }

  /** Refresh once half the lifetime is gone, as CouchDB does on use. */
  needsRefresh(expiresAt: number, now = Date.now()): boolean {
    return expiresAt - now < (SESSION_SECONDS * 1000) / 2;
  }

  setCookieHeader(value: string): string {
    return `${SESSION_COOKIE}=${value}; Version=1; Path=/; HttpOnly; SameSite=Lax`;
  }

  clearCookieHeader(): string {
    return `${SESSION_COOKIE}=; Version=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload, 'utf8').digest('base64url');
  }
}

/** Reads one cookie from a Cookie header without a parser dependency. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
