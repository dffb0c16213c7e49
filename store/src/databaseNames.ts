/**
 * Database naming rules: CouchDB's (docs: "PUT /{db}"), minus '/', which the
 * stand-in cannot store (express-pouchdb strips it from file names).
 */
const USER_DB_NAME = /^[a-z][a-z0-9_$()+-]*$/;

/** The system databases CouchDB allows despite the leading underscore. */
const SYSTEM_DB_NAMES = new Set(['_users', '_replicator', '_global_changes']);

/** Prefix of the store's own files in the data folder; never a legal database name. */
export const INTERNAL_PREFIX = '_m2m_';

const MAX_NAME_LENGTH = 238; // CouchDB's limit

export function isLegalDatabaseName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  return SYSTEM_DB_NAMES.has(name) || USER_DB_NAME.test(name);
}

export function illegalNameReason(name: string): string {
  return (
    `Name: '${name}'. Only lowercase characters (a-z), digits (0-9), and any of the characters ` +
    `_, $, (, ), +, and - are allowed. Must begin with a letter.`
  );
}
