import { z } from 'zod';

/** Splits a URL with credentials into base URL (safe to log) and Basic header; throws without credentials. */
export function parseStoreUrl(urlWithCredentials: string): { url: string; authorization: string } {
  const parsed = new URL(urlWithCredentials);
  if (!parsed.username || !parsed.password) throw new Error('the store URL must carry admin credentials');
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString().replace(/\/+$/, ''),
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  };
}

/** Builds a store URL with credentials from a base URL and an admin. */
export function storeUrlWithCredentials(baseUrl: string, admin: { username: string; password: string }): string {
  const parsed = new URL(baseUrl);
  parsed.username = encodeURIComponent(admin.username);
  parsed.password = encodeURIComponent(admin.password);
  return parsed.toString().replace(/\/+$/, '');
}

/** Database name prefix: CouchDB's name rules, kept to characters that need no URL encoding. */
export const DB_PREFIX_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** `DB_PREFIX`: the prefix of every database the system names. */
export const dbPrefixSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(DB_PREFIX_PATTERN, 'must start with a lowercase letter followed by lowercase letters, digits, "_" or "-"');

/**
 * `COUCHDB_URL`: one URL, or several separated by commas (nodes or load
 * balancers of one cluster: the process fails over), each http(s) with the
 * admin credentials and nothing after the path.
 */
export const couchdbUrlSchema = z
  .string({ error: 'is required: the store URL with admin credentials, e.g. http://admin:password@127.0.0.1:5984' })
  .trim()
  .superRefine((value, ctx) => {
    const urls = value.split(',').map((part) => part.trim());
    for (const [index, text] of urls.entries()) {
      const which = urls.length > 1 ? `URL ${index + 1} ` : '';
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${which}must be an http(s) URL such as http://admin:password@127.0.0.1:5984` });
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `${which}must use http or https` });
      } else if (!url.username || !url.password) {
        ctx.addIssue({ code: 'custom', message: `${which}must carry the admin credentials (http://user:password@host:port)` });
      } else if (url.search || url.hash) {
        ctx.addIssue({ code: 'custom', message: `${which}must not have a query or fragment` });
      }
    }
  });
