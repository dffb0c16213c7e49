import { badRequest } from './couchResponses.js';

/**
 * `PUT /{db}?q=&n=`: CouchDB's shard count and replica count. The embedded
 * store has neither shards nor replicas, but it checks them as CouchDB 3.5
 * does (chttpd_db's parse_shards_opt: each must be a positive integer, else
 * 400 bad_request naming the parameter, before the database is created), so
 * a client that works here sends what CouchDB accepts.
 */
export function checkShardParams(query: Record<string, unknown>): void {
  // n first, as CouchDB: with both wrong, the error names n.
  for (const param of ['n', 'q']) {
    const value = query[param];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^[+-]?\d+$/.test(value) || Number(value) < 1) {
      throw badRequest(`The \`${param}\` value should be a positive integer.`);
    }
  }
}
