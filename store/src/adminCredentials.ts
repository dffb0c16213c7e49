import { createHash, timingSafeEqual } from 'node:crypto';

export interface AdminCredentials {
  username: string;
  password: string;
}

/** Constant-time string equality (hashing first hides the length too). */
export function safeEqual(a: string, b: string): boolean {
  // Plain Uint8Array views: @types/node 20's Buffer type does not fit TS 5.9's ArrayBufferView.
  const da = new Uint8Array(createHash('sha256').update(a, 'utf8').digest());
  const db = new Uint8Array(createHash('sha256').update(b, 'utf8').digest());
  return timingSafeEqual(da, db);
}

export function isAdmin(admin: AdminCredentials, username: string, password: string): boolean {
  // Evaluate both comparisons so a wrong name costs the same as a wrong password.
  const nameOk = safeEqual(admin.username, username);
  const passwordOk = safeEqual(admin.password, password);
  return nameOk && passwordOk;
}

/** Parses `Authorization: Basic ...`; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
