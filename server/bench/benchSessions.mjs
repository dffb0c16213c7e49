// @ts-check
// What the server's benches share: the store's admin, and synthetic sessions as CouchDB documents.
import { synthesizeSession } from '@m2m/analysis-core';

export const admin = { username: 'admin', password: 'bench-admin-password' };
export const adminHeader = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;

/** A synthetic session as a CouchDB document: its `id` becomes `_id`. */
export function sessionDoc(/** @type {number} */ seed, durationS = 60) {
  const { id, ...rest } = synthesizeSession({ seed, durationS });
  return { _id: id, ...rest };
}

let lastSeed = 0;
/** `count` one-minute sessions, none seen before in this process (the store would answer a conflict). */
export const freshSessionDocs = (/** @type {number} */ count) => Array.from({ length: count }, () => sessionDoc(++lastSeed));
