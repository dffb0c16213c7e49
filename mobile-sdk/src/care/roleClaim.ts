import type { Role } from './careTypes.js';

/**
 * The role an access token was issued for: its `role` claim, absent (an
 * account from before roles) read as patient. Read, not verified: the
 * gateway verifies every token and enforces the role on every route; the
 * device only chooses which side of the app to open.
 */
export function roleOfAccessToken(accessToken: string): Role {
  const payload = accessToken.split('.')[1];
  if (!payload) return 'patient';
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { role?: unknown };
    return claims.role === 'clinician' ? 'clinician' : 'patient';
  } catch {
    return 'patient';
  }
}
